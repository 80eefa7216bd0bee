//! The library's C ABI, called directly (dlopen), for what the loader hides: interface-version
//! negotiation, the proc-addr entry points, and messengers chained into VkInstanceCreateInfo.

use ash::vk;
use std::ffi::{CStr, c_char, c_void};
use std::sync::Mutex;

type Negotiate = unsafe extern "system" fn(*mut u32) -> vk::Result;
type ProcAddr = unsafe extern "system" fn(vk::Instance, *const c_char) -> vk::PFN_vkVoidFunction;

struct Icd {
    negotiate: Negotiate,
    gipa: ProcAddr,
    gpdpa: ProcAddr,
}

fn icd() -> Icd {
    softvk_tests::setup_environment();
    let path = std::ffi::CString::new(softvk_tests::library_path().to_str().unwrap()).unwrap();
    unsafe {
        let h = libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
        assert!(!h.is_null(), "dlopen {:?}", path);
        let sym = |n: &CStr| {
            let p = libc::dlsym(h, n.as_ptr());
            assert!(!p.is_null(), "{n:?} is exported");
            p
        };
        Icd {
            negotiate: std::mem::transmute::<*mut c_void, Negotiate>(sym(
                c"vk_icdNegotiateLoaderICDInterfaceVersion",
            )),
            gipa: std::mem::transmute::<*mut c_void, ProcAddr>(sym(c"vk_icdGetInstanceProcAddr")),
            gpdpa: std::mem::transmute::<*mut c_void, ProcAddr>(sym(
                c"vk_icdGetPhysicalDeviceProcAddr",
            )),
        }
    }
}

#[test]
fn negotiates_loader_interface_versions_5_to_7() {
    let icd = icd();
    for (asked, want) in [
        (4u32, None),
        (5, Some(5)),
        (6, Some(6)),
        (7, Some(7)),
        (8, Some(7)),
        (100, Some(7)),
    ] {
        let mut v = asked;
        let r = unsafe { (icd.negotiate)(&mut v) };
        match want {
            Some(w) => {
                assert_eq!(r, vk::Result::SUCCESS);
                assert_eq!(v, w, "asked {asked}");
            }
            None => assert_eq!(r, vk::Result::ERROR_INCOMPATIBLE_DRIVER, "asked {asked}"),
        }
    }
}

#[test]
fn proc_addr_entry_points() {
    let icd = icd();
    let gipa = |i: vk::Instance, n: &CStr| unsafe { (icd.gipa)(i, n.as_ptr()) };
    let gpdpa = |n: &CStr| unsafe { (icd.gpdpa)(vk::Instance::null(), n.as_ptr()) };
    assert!(gipa(vk::Instance::null(), c"vkCreateInstance").is_some());
    assert!(gipa(vk::Instance::null(), c"vkEnumerateInstanceVersion").is_some());
    assert!(gipa(vk::Instance::null(), c"vkGetInstanceProcAddr").is_some());
    assert!(
        gipa(vk::Instance::null(), c"vkCreateDevice").is_none(),
        "needs an instance"
    );
    assert!(gpdpa(c"vkGetPhysicalDeviceFormatProperties2").is_some());
    assert!(
        gpdpa(c"vkGetPhysicalDeviceSurfaceSupportKHR").is_none(),
        "no WSI"
    );
    assert!(
        gpdpa(c"vkCreateBuffer").is_none(),
        "not a physical-device command"
    );
}

static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

unsafe extern "system" fn record(
    _s: vk::DebugUtilsMessageSeverityFlagsEXT,
    _t: vk::DebugUtilsMessageTypeFlagsEXT,
    data: *const vk::DebugUtilsMessengerCallbackDataEXT<'_>,
    _u: *mut c_void,
) -> vk::Bool32 {
    let text = unsafe { CStr::from_ptr((*data).p_message) }
        .to_string_lossy()
        .into_owned();
    SEEN.lock().unwrap().push(text);
    vk::FALSE
}

/// A messenger chained into VkInstanceCreateInfo receives the driver's errors during
/// vkCreateInstance (the loader filters unsupported extensions, so this calls the ICD directly).
#[test]
fn create_instance_messengers_receive_errors() {
    let icd = icd();
    let create: vk::PFN_vkCreateInstance = unsafe {
        std::mem::transmute((icd.gipa)(vk::Instance::null(), c"vkCreateInstance".as_ptr()).unwrap())
    };
    let mut messenger = vk::DebugUtilsMessengerCreateInfoEXT::default()
        .message_severity(vk::DebugUtilsMessageSeverityFlagsEXT::ERROR)
        .message_type(
            vk::DebugUtilsMessageTypeFlagsEXT::GENERAL
                | vk::DebugUtilsMessageTypeFlagsEXT::VALIDATION,
        )
        .pfn_user_callback(Some(record));
    let exts = [c"VK_KHR_surface".as_ptr()];
    let info = vk::InstanceCreateInfo::default()
        .enabled_extension_names(&exts)
        .push_next(&mut messenger);
    let mut instance = vk::Instance::null();
    let r = unsafe { create(&info, std::ptr::null(), &mut instance) };
    assert_eq!(r, vk::Result::ERROR_EXTENSION_NOT_PRESENT);
    let seen = SEEN.lock().unwrap().clone();
    assert!(
        seen.iter().any(|m| m.contains("VK_KHR_surface")),
        "{seen:?}"
    );

    // A good create works and its instance is destroyed through the ICD too.
    let info = vk::InstanceCreateInfo::default();
    let r = unsafe { create(&info, std::ptr::null(), &mut instance) };
    assert_eq!(r, vk::Result::SUCCESS);
    // The loader's first word of a dispatchable object is the loader magic until the loader
    // claims it.
    assert_eq!(unsafe { *(instance.as_raw() as *const usize) }, 0x01CD_C0DE);
    let destroy: vk::PFN_vkDestroyInstance = unsafe {
        std::mem::transmute((icd.gipa)(instance, c"vkDestroyInstance".as_ptr()).unwrap())
    };
    unsafe { destroy(instance, std::ptr::null()) };
}
use ash::vk::Handle;
