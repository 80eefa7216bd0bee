//! Test harness: every test talks to softvk through the real Khronos loader
//! (ash + libvulkan.so.1 + json/softvk_dev.json), with VK_LAYER_KHRONOS_validation (and its
//! synchronization validation) enabled by default.
//!
//! A [`Vk`] records every debug-utils message. When it is dropped it fails the test if the
//! validation layer (or the loader) reported a warning or an error, or if softvk reported an
//! error the test did not claim with [`Vk::take_softvk_errors`]. A test that misuses Vulkan
//! therefore cannot pass.
//!
//! Run through `cargo xtask test`, which builds the ICD first; run directly, the harness points
//! the loader at the dev manifest itself and refuses a library older than the sources.

use ash::vk;
use std::ffi::{CStr, CString, c_void};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once};

pub use ash;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn library_path() -> PathBuf {
    root().join("target/debug/libsoftvk_icd.so")
}

fn newest_source(dir: &Path) -> std::time::SystemTime {
    let mut newest = std::time::SystemTime::UNIX_EPOCH;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            let t = if p.is_dir() {
                newest_source(&p)
            } else {
                e.metadata().and_then(|m| m.modified()).unwrap_or(newest)
            };
            newest = newest.max(t);
        }
    }
    newest
}

/// Points the loader at softvk alone (once per process) and checks the library is current.
pub fn setup_environment() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let lib = library_path();
        let built = std::fs::metadata(&lib)
            .and_then(|m| m.modified())
            .unwrap_or_else(|_| panic!("{} is missing: run `cargo xtask test`", lib.display()));
        let newest = newest_source(&root().join("src")).max(newest_source(&root().join("icd/src")));
        assert!(
            built >= newest,
            "{} is older than the driver sources: run `cargo xtask test` (it builds the ICD first)",
            lib.display()
        );
        if std::env::var_os("VK_DRIVER_FILES").is_none() {
            // SAFETY: runs once, before this process first enters the loader; other test threads
            // wait on this Once before they touch the environment or the loader.
            unsafe {
                std::env::set_var("VK_DRIVER_FILES", root().join("json/softvk_dev.json"));
                std::env::set_var("NODEVICE_SELECT", "1");
            }
        }
    });
}

/// One recorded debug-utils message.
#[derive(Clone, Debug)]
pub struct Message {
    pub severity: vk::DebugUtilsMessageSeverityFlagsEXT,
    pub id: String,
    pub text: String,
}

impl Message {
    pub fn from_softvk(&self) -> bool {
        self.id.starts_with("softvk")
    }
}

#[derive(Default)]
struct Log {
    messages: Vec<Message>,
}

unsafe extern "system" fn callback(
    severity: vk::DebugUtilsMessageSeverityFlagsEXT,
    _types: vk::DebugUtilsMessageTypeFlagsEXT,
    data: *const vk::DebugUtilsMessengerCallbackDataEXT<'_>,
    user: *mut c_void,
) -> vk::Bool32 {
    // SAFETY: `user` is the Mutex<Log> the Vk keeps alive while the messenger exists.
    let log = unsafe { &*(user as *const Mutex<Log>) };
    let data = unsafe { &*data };
    let cstr = |p: *const std::ffi::c_char| {
        if p.is_null() {
            String::new()
        } else {
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
    };
    let m = Message {
        severity,
        id: cstr(data.p_message_id_name),
        text: cstr(data.p_message),
    };
    if std::env::var_os("SOFTVK_TEST_VERBOSE").is_some() {
        eprintln!("[{:?}] {}: {}", m.severity, m.id, m.text);
    }
    log.lock().unwrap().messages.push(m);
    vk::FALSE
}

/// How to make a [`Vk`].
#[derive(Clone)]
pub struct Options {
    pub api_version: u32,
    pub validation: bool,
    pub queue_count: u32,
    pub device_extensions: Vec<&'static CStr>,
    pub instance_extensions: Vec<&'static CStr>,
    /// Enable every feature softvk reports (1.0 to 1.3 feature structures), as a program that
    /// enables all it can would.
    pub features: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            api_version: vk::API_VERSION_1_3,
            validation: true,
            queue_count: 1,
            device_extensions: vec![],
            instance_extensions: vec![],
            features: true,
        }
    }
}

/// The features `physical` reports: VkPhysicalDeviceFeatures and the Vulkan 1.1/1.2/1.3
/// feature structures (unchained, ready to chain into VkDeviceCreateInfo).
pub fn reported_features(
    instance: &ash::Instance,
    physical: vk::PhysicalDevice,
) -> (
    vk::PhysicalDeviceFeatures,
    vk::PhysicalDeviceVulkan11Features<'static>,
    vk::PhysicalDeviceVulkan12Features<'static>,
    vk::PhysicalDeviceVulkan13Features<'static>,
) {
    let mut f11 = vk::PhysicalDeviceVulkan11Features::default();
    let mut f12 = vk::PhysicalDeviceVulkan12Features::default();
    let mut f13 = vk::PhysicalDeviceVulkan13Features::default();
    let core = {
        let mut f = vk::PhysicalDeviceFeatures2::default()
            .push_next(&mut f11)
            .push_next(&mut f12)
            .push_next(&mut f13);
        // SAFETY: a valid output chain.
        unsafe { instance.get_physical_device_features2(physical, &mut f) };
        f.features
    };
    f11.p_next = std::ptr::null_mut();
    f12.p_next = std::ptr::null_mut();
    f13.p_next = std::ptr::null_mut();
    (core, f11, f12, f13)
}

/// An instance, the softvk physical device, a device and its queues.
pub struct Vk {
    pub entry: ash::Entry,
    pub instance: ash::Instance,
    pub physical: vk::PhysicalDevice,
    pub device: ash::Device,
    pub queues: Vec<vk::Queue>,
    pub queue: vk::Queue,
    pub pool: vk::CommandPool,
    pub debug_utils: ash::ext::debug_utils::Instance,
    messenger: vk::DebugUtilsMessengerEXT,
    log: Arc<Mutex<Log>>,
    pub options: Options,
    device_alive: bool,
}

impl Vk {
    pub fn new() -> Self {
        Self::with(Options::default())
    }

    pub fn with(options: Options) -> Self {
        setup_environment();
        // SAFETY: loads the system's libvulkan.so.1.
        let entry = unsafe { ash::Entry::load() }.expect("libvulkan.so.1 loads");
        let log = Arc::new(Mutex::new(Log::default()));
        let app_name = CString::new("softvk-tests").unwrap();
        let app = vk::ApplicationInfo::default()
            .application_name(&app_name)
            .api_version(options.api_version);
        let layers: Vec<*const std::ffi::c_char> = if options.validation {
            vec![c"VK_LAYER_KHRONOS_validation".as_ptr()]
        } else {
            vec![]
        };
        let mut exts = vec![ash::ext::debug_utils::NAME.as_ptr()];
        exts.extend(options.instance_extensions.iter().map(|e| e.as_ptr()));
        if options.validation {
            exts.push(ash::ext::validation_features::NAME.as_ptr());
        }
        let enables = [vk::ValidationFeatureEnableEXT::SYNCHRONIZATION_VALIDATION];
        let mut features =
            vk::ValidationFeaturesEXT::default().enabled_validation_features(&enables);
        let mut messenger_info = vk::DebugUtilsMessengerCreateInfoEXT::default()
            .message_severity(
                vk::DebugUtilsMessageSeverityFlagsEXT::ERROR
                    | vk::DebugUtilsMessageSeverityFlagsEXT::WARNING
                    | vk::DebugUtilsMessageSeverityFlagsEXT::INFO
                    | vk::DebugUtilsMessageSeverityFlagsEXT::VERBOSE,
            )
            .message_type(
                vk::DebugUtilsMessageTypeFlagsEXT::GENERAL
                    | vk::DebugUtilsMessageTypeFlagsEXT::VALIDATION
                    | vk::DebugUtilsMessageTypeFlagsEXT::PERFORMANCE,
            )
            .pfn_user_callback(Some(callback))
            .user_data(Arc::as_ptr(&log) as *mut c_void);
        let mut info = vk::InstanceCreateInfo::default()
            .application_info(&app)
            .enabled_layer_names(&layers)
            .enabled_extension_names(&exts)
            .push_next(&mut messenger_info);
        if options.validation {
            info = info.push_next(&mut features);
        }
        // SAFETY: valid create info.
        let instance = unsafe { entry.create_instance(&info, None) }.expect("vkCreateInstance");
        let debug_utils = ash::ext::debug_utils::Instance::new(&entry, &instance);
        let messenger = unsafe { debug_utils.create_debug_utils_messenger(&messenger_info, None) }
            .expect("vkCreateDebugUtilsMessengerEXT");
        let physical = unsafe { instance.enumerate_physical_devices() }.expect("physical devices");
        assert_eq!(physical.len(), 1, "exactly the softvk device");
        let physical = physical[0];

        let priorities = vec![1.0f32; options.queue_count as usize];
        let qinfo = [vk::DeviceQueueCreateInfo::default()
            .queue_family_index(0)
            .queue_priorities(&priorities)];
        let ext_ptrs: Vec<*const std::ffi::c_char> = options
            .device_extensions
            .iter()
            .map(|e| e.as_ptr())
            .collect();
        // Every feature the device reports, as a program that enables all it can would.
        let (core, mut f11, mut f12, mut f13) = reported_features(&instance, physical);
        let mut dinfo = vk::DeviceCreateInfo::default()
            .queue_create_infos(&qinfo)
            .enabled_extension_names(&ext_ptrs);
        // Extension feature structures: what the device reports, for requested extensions.
        let mut atomic_float = vk::PhysicalDeviceShaderAtomicFloatFeaturesEXT::default();
        let mut image_int64 = vk::PhysicalDeviceShaderImageAtomicInt64FeaturesEXT::default();
        let mut robustness2 = vk::PhysicalDeviceRobustness2FeaturesEXT::default();
        let mut uint8 = vk::PhysicalDeviceIndexTypeUint8FeaturesKHR::default();
        let mut divisor = vk::PhysicalDeviceVertexAttributeDivisorFeaturesKHR::default();
        let mut eds2 = vk::PhysicalDeviceExtendedDynamicState2FeaturesEXT::default();
        let wants = |name: &CStr| options.device_extensions.contains(&name);
        if wants(ash::ext::shader_atomic_float::NAME) {
            let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut atomic_float);
            unsafe { instance.get_physical_device_features2(physical, &mut f2) };
        }
        if wants(ash::ext::shader_image_atomic_int64::NAME) {
            let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut image_int64);
            unsafe { instance.get_physical_device_features2(physical, &mut f2) };
        }
        if wants(ash::ext::index_type_uint8::NAME) {
            let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut uint8);
            unsafe { instance.get_physical_device_features2(physical, &mut f2) };
        }
        if wants(ash::ext::robustness2::NAME) {
            let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut robustness2);
            unsafe { instance.get_physical_device_features2(physical, &mut f2) };
        }
        if wants(ash::ext::vertex_attribute_divisor::NAME) {
            let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut divisor);
            unsafe { instance.get_physical_device_features2(physical, &mut f2) };
        }
        if wants(ash::ext::extended_dynamic_state2::NAME) {
            let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut eds2);
            unsafe { instance.get_physical_device_features2(physical, &mut f2) };
        }
        if options.features && options.api_version >= vk::API_VERSION_1_3 {
            dinfo = dinfo
                .push_next(&mut f11)
                .push_next(&mut f12)
                .push_next(&mut f13)
                .enabled_features(&core);
            if wants(ash::ext::shader_atomic_float::NAME) {
                dinfo = dinfo.push_next(&mut atomic_float);
            }
            if wants(ash::ext::shader_image_atomic_int64::NAME) {
                dinfo = dinfo.push_next(&mut image_int64);
            }
            if wants(ash::ext::robustness2::NAME) {
                dinfo = dinfo.push_next(&mut robustness2);
            }
            if wants(ash::ext::index_type_uint8::NAME) {
                dinfo = dinfo.push_next(&mut uint8);
            }
            if wants(ash::ext::vertex_attribute_divisor::NAME) {
                dinfo = dinfo.push_next(&mut divisor);
            }
            if wants(ash::ext::extended_dynamic_state2::NAME) {
                dinfo = dinfo.push_next(&mut eds2);
            }
        }
        let device =
            unsafe { instance.create_device(physical, &dinfo, None) }.expect("vkCreateDevice");
        let queues: Vec<vk::Queue> = (0..options.queue_count)
            .map(|i| unsafe { device.get_device_queue(0, i) })
            .collect();
        let pool = unsafe {
            device.create_command_pool(
                &vk::CommandPoolCreateInfo::default()
                    .queue_family_index(0)
                    .flags(vk::CommandPoolCreateFlags::RESET_COMMAND_BUFFER),
                None,
            )
        }
        .expect("vkCreateCommandPool");
        Vk {
            entry,
            instance,
            physical,
            device,
            queue: queues[0],
            queues,
            pool,
            debug_utils,
            messenger,
            log,
            options,
            device_alive: true,
        }
    }

    /// Destroys the device now, without waiting for its queues (tests of destruction).
    pub fn destroy_device_now(&mut self) {
        if self.device_alive {
            unsafe {
                self.device.destroy_command_pool(self.pool, None);
                self.device.destroy_device(None);
            }
            self.device_alive = false;
        }
    }

    /// All messages so far.
    pub fn messages(&self) -> Vec<Message> {
        self.log.lock().unwrap().messages.clone()
    }

    /// Removes and returns softvk's error messages (for tests that provoke them), together
    /// with the loader's follow-up errors about the failed call.
    pub fn take_softvk_errors(&self) -> Vec<String> {
        let mut log = self.log.lock().unwrap();
        let error = vk::DebugUtilsMessageSeverityFlagsEXT::ERROR;
        let (mine, rest): (Vec<Message>, Vec<Message>) = log
            .messages
            .drain(..)
            .partition(|m| m.severity == error && (m.from_softvk() || m.id == "Loader Message"));
        log.messages = rest;
        mine.into_iter()
            .filter(|m| m.from_softvk())
            .map(|m| m.text)
            .collect()
    }

    /// The device extensions softvk lists, with their spec versions.
    pub fn device_extensions(&self) -> std::collections::BTreeMap<String, u32> {
        unsafe {
            self.instance
                .enumerate_device_extension_properties(self.physical)
        }
        .expect("vkEnumerateDeviceExtensionProperties")
        .iter()
        .map(|e| {
            let name = e.extension_name_as_c_str().expect("a NUL-terminated name");
            (name.to_string_lossy().into_owned(), e.spec_version)
        })
        .collect()
    }

    /// Claims the warnings softvk reported (the test expected them): they no longer fail it.
    pub fn take_softvk_warnings(&self) -> Vec<String> {
        let mut log = self.log.lock().unwrap();
        let warning = vk::DebugUtilsMessageSeverityFlagsEXT::WARNING;
        let (mine, rest): (Vec<Message>, Vec<Message>) = log
            .messages
            .drain(..)
            .partition(|m| m.severity == warning && m.from_softvk());
        log.messages = rest;
        mine.into_iter().map(|m| m.text).collect()
    }

    fn problems(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .messages
            .iter()
            .filter(|m| {
                m.severity.intersects(
                    vk::DebugUtilsMessageSeverityFlagsEXT::ERROR
                        | vk::DebugUtilsMessageSeverityFlagsEXT::WARNING,
                )
            })
            .map(|m| format!("[{:?}] {}: {}", m.severity, m.id, m.text))
            .collect()
    }

    /// Fails the test now if anything was reported (also done on drop).
    pub fn assert_clean(&self) {
        let p = self.problems();
        assert!(p.is_empty(), "messages reported:\n{}", p.join("\n"));
    }

    pub fn memory_type(&self, flags: vk::MemoryPropertyFlags) -> u32 {
        let props = unsafe {
            self.instance
                .get_physical_device_memory_properties(self.physical)
        };
        (0..props.memory_type_count)
            .find(|&i| {
                props.memory_types[i as usize]
                    .property_flags
                    .contains(flags)
            })
            .expect("a memory type with the flags")
    }

    /// A host-visible allocation of `size` bytes, mapped.
    pub fn memory(&self, size: u64) -> Memory {
        let ty = self.memory_type(
            vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT,
        );
        let memory = unsafe {
            self.device.allocate_memory(
                &vk::MemoryAllocateInfo::default()
                    .allocation_size(size)
                    .memory_type_index(ty),
                None,
            )
        }
        .expect("vkAllocateMemory");
        let ptr = unsafe {
            self.device
                .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
        }
        .expect("vkMapMemory") as *mut u8;
        Memory { memory, ptr, size }
    }

    /// Mapped memory of `size` bytes allocated with VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT (for
    /// SHADER_DEVICE_ADDRESS buffers).
    pub fn address_memory(&self, size: u64) -> Memory {
        let ty = self.memory_type(
            vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT,
        );
        let mut flags =
            vk::MemoryAllocateFlagsInfo::default().flags(vk::MemoryAllocateFlags::DEVICE_ADDRESS);
        let memory = unsafe {
            self.device.allocate_memory(
                &vk::MemoryAllocateInfo::default()
                    .allocation_size(size)
                    .memory_type_index(ty)
                    .push_next(&mut flags),
                None,
            )
        }
        .expect("vkAllocateMemory");
        let ptr = unsafe {
            self.device
                .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
        }
        .expect("vkMapMemory") as *mut u8;
        Memory { memory, ptr, size }
    }

    /// A buffer with its own mapped memory.
    pub fn buffer(&self, size: u64, usage: vk::BufferUsageFlags) -> Buf {
        let buffer = unsafe {
            self.device.create_buffer(
                &vk::BufferCreateInfo::default().size(size).usage(usage),
                None,
            )
        }
        .expect("vkCreateBuffer");
        let req = unsafe { self.device.get_buffer_memory_requirements(buffer) };
        let mem = self.memory(req.size);
        unsafe { self.device.bind_buffer_memory(buffer, mem.memory, 0) }
            .expect("vkBindBufferMemory");
        Buf { buffer, mem, size }
    }

    /// An image with its own memory.
    pub fn image(&self, info: &vk::ImageCreateInfo<'_>) -> Img {
        let image = unsafe { self.device.create_image(info, None) }.expect("vkCreateImage");
        let req = unsafe { self.device.get_image_memory_requirements(image) };
        let mem = self.memory(req.size);
        unsafe { self.device.bind_image_memory(image, mem.memory, 0) }.expect("vkBindImageMemory");
        Img {
            image,
            mem,
            format: info.format,
            extent: info.extent,
        }
    }

    pub fn command_buffer(&self, level: vk::CommandBufferLevel) -> vk::CommandBuffer {
        unsafe {
            self.device.allocate_command_buffers(
                &vk::CommandBufferAllocateInfo::default()
                    .command_pool(self.pool)
                    .level(level)
                    .command_buffer_count(1),
            )
        }
        .expect("vkAllocateCommandBuffers")[0]
    }

    /// Records with `f`, submits to queue 0, waits for a fence.
    pub fn run(&self, f: impl FnOnce(vk::CommandBuffer)) {
        let cb = self.command_buffer(vk::CommandBufferLevel::PRIMARY);
        unsafe {
            self.device
                .begin_command_buffer(
                    cb,
                    &vk::CommandBufferBeginInfo::default()
                        .flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT),
                )
                .expect("vkBeginCommandBuffer");
        }
        f(cb);
        unsafe {
            self.device
                .end_command_buffer(cb)
                .expect("vkEndCommandBuffer");
            let fence = self
                .device
                .create_fence(&vk::FenceCreateInfo::default(), None)
                .unwrap();
            let cbs = [cb];
            self.device
                .queue_submit(
                    self.queue,
                    &[vk::SubmitInfo::default().command_buffers(&cbs)],
                    fence,
                )
                .expect("vkQueueSubmit");
            self.device
                .wait_for_fences(&[fence], true, u64::MAX)
                .expect("vkWaitForFences");
            self.device.destroy_fence(fence, None);
            self.device.free_command_buffers(self.pool, &cbs);
        }
    }

    /// A global barrier covering every transfer access (for tests that chain transfers).
    pub fn transfer_barrier(&self, cb: vk::CommandBuffer) {
        let b = [vk::MemoryBarrier2::default()
            .src_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
            .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
            .dst_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
            .dst_access_mask(vk::AccessFlags2::TRANSFER_READ | vk::AccessFlags2::TRANSFER_WRITE)];
        unsafe {
            self.device
                .cmd_pipeline_barrier2(cb, &vk::DependencyInfo::default().memory_barriers(&b))
        };
    }

    /// Moves `image` (all subresources) from `old` to `new` layout around transfers.
    pub fn image_barrier(
        &self,
        cb: vk::CommandBuffer,
        image: vk::Image,
        aspect: vk::ImageAspectFlags,
        old: vk::ImageLayout,
        new: vk::ImageLayout,
    ) {
        let b = [vk::ImageMemoryBarrier2::default()
            .src_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
            .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
            .dst_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
            .dst_access_mask(vk::AccessFlags2::TRANSFER_READ | vk::AccessFlags2::TRANSFER_WRITE)
            .old_layout(old)
            .new_layout(new)
            .image(image)
            .subresource_range(vk::ImageSubresourceRange {
                aspect_mask: aspect,
                base_mip_level: 0,
                level_count: vk::REMAINING_MIP_LEVELS,
                base_array_layer: 0,
                layer_count: vk::REMAINING_ARRAY_LAYERS,
            })];
        unsafe {
            self.device
                .cmd_pipeline_barrier2(cb, &vk::DependencyInfo::default().image_memory_barriers(&b))
        };
    }

    /// Moves every subresource of `aspect` of `image` from `old` to `new`, ordering every earlier
    /// access before every later one (all stages, all memory accesses).
    pub fn layout_barrier(
        &self,
        cb: vk::CommandBuffer,
        image: vk::Image,
        aspect: vk::ImageAspectFlags,
        old: vk::ImageLayout,
        new: vk::ImageLayout,
    ) {
        let all = vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE;
        let b = [vk::ImageMemoryBarrier2::default()
            .src_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
            .src_access_mask(all)
            .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
            .dst_access_mask(all)
            .old_layout(old)
            .new_layout(new)
            .image(image)
            .subresource_range(full_range(aspect))];
        unsafe {
            self.device
                .cmd_pipeline_barrier2(cb, &vk::DependencyInfo::default().image_memory_barriers(&b))
        };
    }

    pub fn destroy_buffer(&self, b: Buf) {
        unsafe {
            self.device.destroy_buffer(b.buffer, None);
            self.device.free_memory(b.mem.memory, None);
        }
    }

    pub fn destroy_image(&self, i: Img) {
        unsafe {
            self.device.destroy_image(i.image, None);
            self.device.free_memory(i.mem.memory, None);
        }
    }
}

impl Default for Vk {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Vk {
    fn drop(&mut self) {
        unsafe {
            if self.device_alive {
                let _ = self.device.device_wait_idle();
                self.device.destroy_command_pool(self.pool, None);
                self.device.destroy_device(None);
            }
            self.debug_utils
                .destroy_debug_utils_messenger(self.messenger, None);
            self.instance.destroy_instance(None);
        }
        if !std::thread::panicking() {
            self.assert_clean();
        }
    }
}

/// A mapped allocation.
pub struct Memory {
    pub memory: vk::DeviceMemory,
    pub ptr: *mut u8,
    pub size: u64,
}

impl Memory {
    /// The mapped bytes. The mapping is device memory shared with the driver, not data owned by
    /// `self`, hence a mutable view from a shared reference.
    #[allow(clippy::mut_from_ref)]
    pub fn bytes(&self) -> &mut [u8] {
        // SAFETY: the mapping covers `size` bytes for the allocation's lifetime; tests access it
        // only while no queue work touches it.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.size as usize) }
    }
}

pub struct Buf {
    pub buffer: vk::Buffer,
    pub mem: Memory,
    pub size: u64,
}

impl Buf {
    #[allow(clippy::mut_from_ref)]
    pub fn bytes(&self) -> &mut [u8] {
        &mut self.mem.bytes()[..self.size as usize]
    }

    pub fn u32s(&self) -> Vec<u32> {
        self.bytes()
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    }
}

pub struct Img {
    pub image: vk::Image,
    pub mem: Memory,
    pub format: vk::Format,
    pub extent: vk::Extent3D,
}

/// A 2D image create-info for transfers.
pub fn image_2d(format: vk::Format, width: u32, height: u32) -> vk::ImageCreateInfo<'static> {
    vk::ImageCreateInfo::default()
        .image_type(vk::ImageType::TYPE_2D)
        .format(format)
        .extent(vk::Extent3D {
            width,
            height,
            depth: 1,
        })
        .mip_levels(1)
        .array_layers(1)
        .samples(vk::SampleCountFlags::TYPE_1)
        .tiling(vk::ImageTiling::OPTIMAL)
        .usage(vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST)
        .initial_layout(vk::ImageLayout::UNDEFINED)
}

pub fn color_layers(layers: u32) -> vk::ImageSubresourceLayers {
    vk::ImageSubresourceLayers {
        aspect_mask: vk::ImageAspectFlags::COLOR,
        mip_level: 0,
        base_array_layer: 0,
        layer_count: layers,
    }
}

pub fn full_range(aspect: vk::ImageAspectFlags) -> vk::ImageSubresourceRange {
    vk::ImageSubresourceRange {
        aspect_mask: aspect,
        base_mip_level: 0,
        level_count: vk::REMAINING_MIP_LEVELS,
        base_array_layer: 0,
        layer_count: vk::REMAINING_ARRAY_LAYERS,
    }
}

/// A small deterministic pseudo-random generator for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn fill(&mut self, out: &mut [u8]) {
        for b in out {
            *b = self.next_u64() as u8;
        }
    }
}

/// Runs `body` alone in a child process (the test binary again, with only test `name`), for
/// tests that measure process-wide state such as the number of open file descriptors, which
/// other tests running in parallel threads would disturb.
pub fn isolated(name: &str, body: impl FnOnce()) {
    if std::env::var("SOFTVK_ISOLATED").as_deref() == Ok(name) {
        body();
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads", "1"])
        .env("SOFTVK_ISOLATED", name)
        .output()
        .expect("the test binary runs");
    assert!(
        out.status.success(),
        "isolated test {name} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Passing file descriptors between processes over a unix socket (SCM_RIGHTS).
pub mod case;
pub mod compute;
pub mod gfx;
pub mod reference;
pub mod requirements;
pub mod structs;

pub mod ipc {
    use nix::sys::socket::{
        AddressFamily, ControlMessage, ControlMessageOwned, MsgFlags, SockFlag, SockType, recvmsg,
        sendmsg, socketpair,
    };
    use std::io::{IoSlice, IoSliceMut};
    use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
    use std::process::{Child, Command};

    /// One end of a SOCK_SEQPACKET socket pair.
    pub struct Channel {
        sock: OwnedFd,
    }

    impl Channel {
        /// (parent end, child end); the child end is inherited by a spawned child.
        pub fn pair() -> (Channel, OwnedFd) {
            let (a, b) = socketpair(
                AddressFamily::Unix,
                SockType::SeqPacket,
                None,
                SockFlag::SOCK_CLOEXEC,
            )
            .unwrap();
            // The child's end must survive exec.
            unsafe { libc::fcntl(b.as_raw_fd(), libc::F_SETFD, 0) };
            (Channel { sock: a }, b)
        }

        /// The channel a child was started with.
        pub fn from_env() -> Channel {
            let fd: RawFd = std::env::var("SOFTVK_IPC_FD")
                .expect("a child process")
                .parse()
                .unwrap();
            // SAFETY: the parent passed this descriptor to us for this purpose.
            Channel {
                sock: unsafe { OwnedFd::from_raw_fd(fd) },
            }
        }

        /// Sends a message with file descriptors (they stay open here).
        pub fn send(&self, msg: &str, fds: &[RawFd]) {
            let iov = [IoSlice::new(msg.as_bytes())];
            let cmsg = [ControlMessage::ScmRights(fds)];
            let cmsgs: &[ControlMessage<'_>] = if fds.is_empty() { &[] } else { &cmsg };
            sendmsg::<()>(self.sock.as_raw_fd(), &iov, cmsgs, MsgFlags::empty(), None)
                .expect("sendmsg");
        }

        /// Receives a message and the descriptors that came with it (new fd numbers here).
        pub fn recv(&self) -> (String, Vec<OwnedFd>) {
            let mut buf = vec![0u8; 4096];
            let mut iov = [IoSliceMut::new(&mut buf)];
            let mut space = nix::cmsg_space!([RawFd; 16]);
            let msg = recvmsg::<()>(
                self.sock.as_raw_fd(),
                &mut iov,
                Some(&mut space),
                MsgFlags::MSG_CMSG_CLOEXEC,
            )
            .expect("recvmsg");
            let mut fds = vec![];
            for c in msg.cmsgs().expect("control messages") {
                if let ControlMessageOwned::ScmRights(r) = c {
                    fds.extend(r.into_iter().map(|f| unsafe { OwnedFd::from_raw_fd(f) }));
                }
            }
            let n = msg.bytes;
            (String::from_utf8_lossy(&buf[..n]).into_owned(), fds)
        }

        /// Receives and checks the message text.
        pub fn expect(&self, want: &str) -> Vec<OwnedFd> {
            let (m, fds) = self.recv();
            assert_eq!(m, want, "unexpected message");
            fds
        }
    }

    /// Starts this test binary again running only `test`, in `role`, with the child end.
    pub fn spawn(test: &str, role: &str, child_end: OwnedFd) -> Child {
        let fd = child_end.into_raw_fd();
        let child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", test, "--nocapture", "--test-threads", "1"])
            .env("SOFTVK_IPC_FD", fd.to_string())
            .env("SOFTVK_ROLE", role)
            .spawn()
            .expect("spawn the child");
        // The parent's copy of the child's end.
        unsafe { libc::close(fd) };
        child
    }

    /// The role this process plays, if it is a child.
    pub fn role() -> Option<String> {
        std::env::var("SOFTVK_ROLE").ok()
    }
}

/// Helpers for external-handle tests (used in one process and across processes).
pub mod ext {
    use super::{Options, Vk};
    use ash::vk;

    pub const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
        vk::BufferUsageFlags::TRANSFER_SRC.as_raw() | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
    );
    pub const OPAQUE: vk::ExternalMemoryHandleTypeFlags =
        vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD;
    pub const DMABUF: vk::ExternalMemoryHandleTypeFlags =
        vk::ExternalMemoryHandleTypeFlags::DMA_BUF_EXT;

    /// A device with every external-handle extension enabled and two queues.
    pub fn device(validation: bool) -> Vk {
        Vk::with(Options {
            validation,
            device_extensions: vec![
                ash::khr::external_memory_fd::NAME,
                ash::ext::external_memory_dma_buf::NAME,
                ash::ext::external_memory_host::NAME,
                ash::khr::external_semaphore_fd::NAME,
                ash::khr::external_fence_fd::NAME,
            ],
            queue_count: 2,
            ..Default::default()
        })
    }

    /// The extension function tables.
    pub struct Fns {
        pub mem: ash::khr::external_memory_fd::Device,
        pub sem: ash::khr::external_semaphore_fd::Device,
        pub fence: ash::khr::external_fence_fd::Device,
        pub host: ash::ext::external_memory_host::Device,
    }

    pub fn fns(vk: &Vk) -> Fns {
        Fns {
            mem: ash::khr::external_memory_fd::Device::new(&vk.instance, &vk.device),
            sem: ash::khr::external_semaphore_fd::Device::new(&vk.instance, &vk.device),
            fence: ash::khr::external_fence_fd::Device::new(&vk.instance, &vk.device),
            host: ash::ext::external_memory_host::Device::new(&vk.instance, &vk.device),
        }
    }

    pub fn alloc_exportable(
        vk: &Vk,
        size: u64,
        types: vk::ExternalMemoryHandleTypeFlags,
    ) -> vk::DeviceMemory {
        let mut export = vk::ExportMemoryAllocateInfo::default().handle_types(types);
        unsafe {
            vk.device.allocate_memory(
                &vk::MemoryAllocateInfo::default()
                    .allocation_size(size)
                    .memory_type_index(0)
                    .push_next(&mut export),
                None,
            )
        }
        .unwrap()
    }

    pub fn import_memory(
        vk: &Vk,
        size: u64,
        t: vk::ExternalMemoryHandleTypeFlags,
        fd: i32,
    ) -> Result<vk::DeviceMemory, vk::Result> {
        let mut imp = vk::ImportMemoryFdInfoKHR::default().handle_type(t).fd(fd);
        unsafe {
            vk.device.allocate_memory(
                &vk::MemoryAllocateInfo::default()
                    .allocation_size(size)
                    .memory_type_index(0)
                    .push_next(&mut imp),
                None,
            )
        }
    }

    pub fn memory_fd(f: &Fns, mem: vk::DeviceMemory, t: vk::ExternalMemoryHandleTypeFlags) -> i32 {
        unsafe {
            f.mem
                .get_memory_fd(&vk::MemoryGetFdInfoKHR::default().memory(mem).handle_type(t))
        }
        .unwrap()
    }

    #[allow(clippy::mut_from_ref)]
    pub fn map(vk: &Vk, m: vk::DeviceMemory, size: u64) -> &mut [u8] {
        unsafe {
            let p = vk
                .device
                .map_memory(m, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
                .unwrap() as *mut u8;
            std::slice::from_raw_parts_mut(p, size as usize)
        }
    }

    /// A buffer bound to `mem` at offset 0.
    pub fn buffer_on(
        vk: &Vk,
        mem: vk::DeviceMemory,
        size: u64,
        t: vk::ExternalMemoryHandleTypeFlags,
    ) -> vk::Buffer {
        let mut ext = vk::ExternalMemoryBufferCreateInfo::default().handle_types(t);
        unsafe {
            let b = vk
                .device
                .create_buffer(
                    &vk::BufferCreateInfo::default()
                        .size(size)
                        .usage(USAGE)
                        .push_next(&mut ext),
                    None,
                )
                .unwrap();
            vk.device.bind_buffer_memory(b, mem, 0).unwrap();
            b
        }
    }

    /// vkImportSemaphoreFdKHR (permanent unless `temporary`).
    pub fn import_semaphore(
        f: &Fns,
        sem: vk::Semaphore,
        t: vk::ExternalSemaphoreHandleTypeFlags,
        fd: i32,
        temporary: bool,
    ) {
        let flags = if temporary {
            vk::SemaphoreImportFlags::TEMPORARY
        } else {
            vk::SemaphoreImportFlags::empty()
        };
        let info = vk::ImportSemaphoreFdInfoKHR::default()
            .semaphore(sem)
            .handle_type(t)
            .flags(flags)
            .fd(fd);
        unsafe { f.sem.import_semaphore_fd(&info) }.expect("vkImportSemaphoreFdKHR");
    }

    /// vkGetSemaphoreFdKHR.
    pub fn semaphore_fd(
        f: &Fns,
        sem: vk::Semaphore,
        t: vk::ExternalSemaphoreHandleTypeFlags,
    ) -> i32 {
        let info = vk::SemaphoreGetFdInfoKHR::default()
            .semaphore(sem)
            .handle_type(t);
        unsafe { f.sem.get_semaphore_fd(&info) }.expect("vkGetSemaphoreFdKHR")
    }

    pub fn semaphore(
        vk: &Vk,
        timeline: bool,
        export: vk::ExternalSemaphoreHandleTypeFlags,
    ) -> vk::Semaphore {
        let ty = if timeline {
            vk::SemaphoreType::TIMELINE
        } else {
            vk::SemaphoreType::BINARY
        };
        let mut t = vk::SemaphoreTypeCreateInfo::default().semaphore_type(ty);
        let mut e = vk::ExportSemaphoreCreateInfo::default().handle_types(export);
        let mut info = vk::SemaphoreCreateInfo::default().push_next(&mut t);
        if !export.is_empty() {
            info = info.push_next(&mut e);
        }
        unsafe { vk.device.create_semaphore(&info, None) }.unwrap()
    }

    pub fn fence(vk: &Vk, export: vk::ExternalFenceHandleTypeFlags) -> vk::Fence {
        let mut e = vk::ExportFenceCreateInfo::default().handle_types(export);
        let mut info = vk::FenceCreateInfo::default();
        if !export.is_empty() {
            info = info.push_next(&mut e);
        }
        unsafe { vk.device.create_fence(&info, None) }.unwrap()
    }

    /// One vkQueueSubmit on queue `q` with binary waits/signals, command buffers and a fence.
    pub fn submit(
        vk: &Vk,
        q: usize,
        waits: &[vk::Semaphore],
        signals: &[vk::Semaphore],
        cbs: &[vk::CommandBuffer],
        fence: vk::Fence,
    ) {
        let stages = vec![vk::PipelineStageFlags::ALL_COMMANDS; waits.len()];
        let info = vk::SubmitInfo::default()
            .wait_semaphores(waits)
            .wait_dst_stage_mask(&stages)
            .signal_semaphores(signals)
            .command_buffers(cbs);
        unsafe { vk.device.queue_submit(vk.queues[q], &[info], fence) }.unwrap();
    }

    /// A command buffer that fills `buffer` with `value`.
    pub fn fill_cb(vk: &Vk, buffer: vk::Buffer, value: u32) -> vk::CommandBuffer {
        let cb = vk.command_buffer(vk::CommandBufferLevel::PRIMARY);
        unsafe {
            vk.device
                .begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
                .unwrap();
            vk.device
                .cmd_fill_buffer(cb, buffer, 0, vk::WHOLE_SIZE, value);
            vk.device.end_command_buffer(cb).unwrap();
        }
        cb
    }
}

impl Vk {
    /// A timeline semaphore with value 0, for gating submissions.
    pub fn gate(&self) -> ash::vk::Semaphore {
        use ash::vk;
        let mut t =
            vk::SemaphoreTypeCreateInfo::default().semaphore_type(vk::SemaphoreType::TIMELINE);
        unsafe {
            self.device
                .create_semaphore(&vk::SemaphoreCreateInfo::default().push_next(&mut t), None)
        }
        .unwrap()
    }

    /// Submits `cbs` on queue `q`, waiting for `gate` to reach 1 first and then signaling the
    /// binary semaphores `signals` and `fence`: the work cannot start before [`Vk::open`].
    pub fn submit_gated(
        &self,
        q: usize,
        gate: ash::vk::Semaphore,
        signals: &[ash::vk::Semaphore],
        cbs: &[ash::vk::CommandBuffer],
        fence: ash::vk::Fence,
    ) {
        use ash::vk;
        let waits = [gate];
        let wait_values = [1u64];
        let signal_values = vec![0u64; signals.len()];
        let stages = [vk::PipelineStageFlags::ALL_COMMANDS];
        let mut t = vk::TimelineSemaphoreSubmitInfo::default()
            .wait_semaphore_values(&wait_values)
            .signal_semaphore_values(&signal_values);
        let info = vk::SubmitInfo::default()
            .wait_semaphores(&waits)
            .wait_dst_stage_mask(&stages)
            .command_buffers(cbs)
            .signal_semaphores(signals)
            .push_next(&mut t);
        unsafe { self.device.queue_submit(self.queues[q], &[info], fence) }.unwrap();
    }

    /// Lets gated work start (signals the gate to 1 from the host).
    pub fn open(&self, gate: ash::vk::Semaphore) {
        use ash::vk;
        unsafe {
            self.device
                .signal_semaphore(&vk::SemaphoreSignalInfo::default().semaphore(gate).value(1))
        }
        .unwrap();
    }
}
