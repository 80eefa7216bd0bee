//! The softvk demo: a small image pipeline through the real Vulkan loader, written to PNG.
//!
//! `cargo xtask demo [output.png]` runs it with only softvk selected. It shows what the driver
//! does today, with no shaders yet: a 4x4 palette is uploaded while the queue already waits for
//! it (a timeline semaphore the host signals later), blown up to 256x256 with a linear blit,
//! turned into a full mip chain with successive blits, laid out as a mip pyramid beside a
//! checkerboard built from cleared tiles, and timed with timestamp queries.

use ash::vk;
use std::ffi::{CStr, c_void};
use std::io::Write;
use std::time::Instant;

const W: u32 = 512;
const H: u32 = 256;
const BASE: u32 = 256;
const MIPS: u32 = 9; // 256 .. 1

unsafe extern "system" fn on_message(
    severity: vk::DebugUtilsMessageSeverityFlagsEXT,
    _ty: vk::DebugUtilsMessageTypeFlagsEXT,
    data: *const vk::DebugUtilsMessengerCallbackDataEXT<'_>,
    _user: *mut c_void,
) -> vk::Bool32 {
    let text = unsafe { CStr::from_ptr((*data).p_message) };
    eprintln!("[{severity:?}] {}", text.to_string_lossy());
    vk::FALSE
}

struct Gpu {
    instance: ash::Instance,
    physical: vk::PhysicalDevice,
    device: ash::Device,
    queue: vk::Queue,
}

impl Gpu {
    fn memory(&self, req: vk::MemoryRequirements) -> vk::DeviceMemory {
        let props = unsafe {
            self.instance
                .get_physical_device_memory_properties(self.physical)
        };
        let want = vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT;
        let ty = (0..props.memory_type_count)
            .find(|&i| {
                req.memory_type_bits & (1 << i) != 0
                    && props.memory_types[i as usize].property_flags.contains(want)
            })
            .expect("a host-visible memory type");
        unsafe {
            self.device.allocate_memory(
                &vk::MemoryAllocateInfo::default()
                    .allocation_size(req.size)
                    .memory_type_index(ty),
                None,
            )
        }
        .expect("vkAllocateMemory")
    }

    fn buffer(&self, size: u64) -> (vk::Buffer, vk::DeviceMemory, *mut u8) {
        unsafe {
            let b = self
                .device
                .create_buffer(
                    &vk::BufferCreateInfo::default().size(size).usage(
                        vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST,
                    ),
                    None,
                )
                .unwrap();
            let m = self.memory(self.device.get_buffer_memory_requirements(b));
            self.device.bind_buffer_memory(b, m, 0).unwrap();
            let p = self
                .device
                .map_memory(m, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
                .unwrap() as *mut u8;
            (b, m, p)
        }
    }

    fn image(&self, w: u32, h: u32, mips: u32) -> (vk::Image, vk::DeviceMemory) {
        unsafe {
            let i = self
                .device
                .create_image(
                    &vk::ImageCreateInfo::default()
                        .image_type(vk::ImageType::TYPE_2D)
                        .format(vk::Format::R8G8B8A8_UNORM)
                        .extent(vk::Extent3D {
                            width: w,
                            height: h,
                            depth: 1,
                        })
                        .mip_levels(mips)
                        .array_layers(1)
                        .samples(vk::SampleCountFlags::TYPE_1)
                        .tiling(vk::ImageTiling::OPTIMAL)
                        .usage(
                            vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST,
                        ),
                    None,
                )
                .unwrap();
            let m = self.memory(self.device.get_image_memory_requirements(i));
            self.device.bind_image_memory(i, m, 0).unwrap();
            (i, m)
        }
    }

    /// A transfer-to-transfer barrier with a layout change; `mip: None` covers every level.
    fn barrier(
        &self,
        cb: vk::CommandBuffer,
        image: vk::Image,
        mip: Option<u32>,
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
                aspect_mask: vk::ImageAspectFlags::COLOR,
                base_mip_level: mip.unwrap_or(0),
                level_count: if mip.is_some() {
                    1
                } else {
                    vk::REMAINING_MIP_LEVELS
                },
                base_array_layer: 0,
                layer_count: 1,
            })];
        unsafe {
            self.device
                .cmd_pipeline_barrier2(cb, &vk::DependencyInfo::default().image_memory_barriers(&b))
        };
    }
}

fn layers(mip: u32) -> vk::ImageSubresourceLayers {
    vk::ImageSubresourceLayers {
        aspect_mask: vk::ImageAspectFlags::COLOR,
        mip_level: mip,
        base_array_layer: 0,
        layer_count: 1,
    }
}

fn offsets(w: u32, h: u32) -> [vk::Offset3D; 2] {
    [
        vk::Offset3D::default(),
        vk::Offset3D {
            x: w as i32,
            y: h as i32,
            z: 1,
        },
    ]
}

fn main() {
    let out_path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/softvk-demo.png".into());
    let t_start = Instant::now();
    let entry = unsafe { ash::Entry::load() }.expect("libvulkan.so.1 (apt-get install libvulkan1)");
    let app = vk::ApplicationInfo::default()
        .application_name(c"softvk-demo")
        .api_version(vk::API_VERSION_1_3);
    let exts = [ash::ext::debug_utils::NAME.as_ptr()];
    let mut messenger = vk::DebugUtilsMessengerCreateInfoEXT::default()
        .message_severity(
            vk::DebugUtilsMessageSeverityFlagsEXT::WARNING
                | vk::DebugUtilsMessageSeverityFlagsEXT::ERROR,
        )
        .message_type(
            vk::DebugUtilsMessageTypeFlagsEXT::GENERAL
                | vk::DebugUtilsMessageTypeFlagsEXT::VALIDATION,
        )
        .pfn_user_callback(Some(on_message));
    let instance = unsafe {
        entry.create_instance(
            &vk::InstanceCreateInfo::default()
                .application_info(&app)
                .enabled_extension_names(&exts)
                .push_next(&mut messenger),
            None,
        )
    }
    .expect("vkCreateInstance");
    let physical = unsafe { instance.enumerate_physical_devices() }.unwrap()[0];
    let mut driver = vk::PhysicalDeviceDriverProperties::default();
    let mut p2 = vk::PhysicalDeviceProperties2::default().push_next(&mut driver);
    unsafe { instance.get_physical_device_properties2(physical, &mut p2) };
    let props = p2.properties;
    println!(
        "device:  {}",
        props.device_name_as_c_str().unwrap().to_string_lossy()
    );
    println!(
        "driver:  {} (Vulkan {}.{}.{})",
        driver.driver_info_as_c_str().unwrap().to_string_lossy(),
        vk::api_version_major(props.api_version),
        vk::api_version_minor(props.api_version),
        vk::api_version_patch(props.api_version)
    );

    let prio = [1.0];
    let q = [vk::DeviceQueueCreateInfo::default()
        .queue_family_index(0)
        .queue_priorities(&prio)];
    let mut f12 = vk::PhysicalDeviceVulkan12Features::default().timeline_semaphore(true);
    let mut f13 = vk::PhysicalDeviceVulkan13Features::default().synchronization2(true);
    let device = unsafe {
        instance.create_device(
            physical,
            &vk::DeviceCreateInfo::default()
                .queue_create_infos(&q)
                .push_next(&mut f12)
                .push_next(&mut f13),
            None,
        )
    }
    .expect("vkCreateDevice");
    let queue = unsafe { device.get_device_queue(0, 0) };
    let gpu = Gpu {
        instance,
        physical,
        device,
        queue,
    };
    let d = &gpu.device;

    let (palette, palette_mem) = gpu.image(4, 4, 1);
    let (mipped, mipped_mem) = gpu.image(BASE, BASE, MIPS);
    let (tile, tile_mem) = gpu.image(32, 32, 1);
    let (canvas, canvas_mem) = gpu.image(W, H, 1);
    let (staging, staging_mem, staging_ptr) = gpu.buffer(64);
    let (readback, readback_mem, readback_ptr) = gpu.buffer((W * H * 4) as u64);
    let queries = unsafe {
        d.create_query_pool(
            &vk::QueryPoolCreateInfo::default()
                .query_type(vk::QueryType::TIMESTAMP)
                .query_count(5),
            None,
        )
    }
    .unwrap();
    let mut tl = vk::SemaphoreTypeCreateInfo::default().semaphore_type(vk::SemaphoreType::TIMELINE);
    let upload_ready =
        unsafe { d.create_semaphore(&vk::SemaphoreCreateInfo::default().push_next(&mut tl), None) }
            .unwrap();

    let pool = unsafe {
        d.create_command_pool(
            &vk::CommandPoolCreateInfo::default().queue_family_index(0),
            None,
        )
    }
    .unwrap();
    let cb = unsafe {
        d.allocate_command_buffers(
            &vk::CommandBufferAllocateInfo::default()
                .command_pool(pool)
                .command_buffer_count(1),
        )
    }
    .unwrap()[0];
    use vk::ImageLayout as L;
    unsafe {
        d.begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
            .unwrap();
        d.cmd_reset_query_pool(cb, queries, 0, 5);
        d.cmd_write_timestamp2(cb, vk::PipelineStageFlags2::ALL_COMMANDS, queries, 0);
        // 1. upload the palette
        gpu.barrier(cb, palette, Some(0), L::UNDEFINED, L::TRANSFER_DST_OPTIMAL);
        d.cmd_copy_buffer_to_image(
            cb,
            staging,
            palette,
            L::TRANSFER_DST_OPTIMAL,
            &[vk::BufferImageCopy {
                buffer_offset: 0,
                buffer_row_length: 0,
                buffer_image_height: 0,
                image_subresource: layers(0),
                image_offset: vk::Offset3D::default(),
                image_extent: vk::Extent3D {
                    width: 4,
                    height: 4,
                    depth: 1,
                },
            }],
        );
        gpu.barrier(
            cb,
            palette,
            Some(0),
            L::TRANSFER_DST_OPTIMAL,
            L::TRANSFER_SRC_OPTIMAL,
        );
        // 2. blow it up with a linear blit: a smooth 256x256 gradient
        gpu.barrier(cb, mipped, None, L::UNDEFINED, L::TRANSFER_DST_OPTIMAL);
        let up = vk::ImageBlit {
            src_subresource: layers(0),
            src_offsets: offsets(4, 4),
            dst_subresource: layers(0),
            dst_offsets: offsets(BASE, BASE),
        };
        d.cmd_blit_image(
            cb,
            palette,
            L::TRANSFER_SRC_OPTIMAL,
            mipped,
            L::TRANSFER_DST_OPTIMAL,
            &[up],
            vk::Filter::LINEAR,
        );
        d.cmd_write_timestamp2(cb, vk::PipelineStageFlags2::ALL_TRANSFER, queries, 1);
        // 3. the mip chain, each level blitted from the one above
        for mip in 1..MIPS {
            gpu.barrier(
                cb,
                mipped,
                Some(mip - 1),
                L::TRANSFER_DST_OPTIMAL,
                L::TRANSFER_SRC_OPTIMAL,
            );
            let (sw, dw) = (BASE >> (mip - 1), BASE >> mip);
            let down = vk::ImageBlit {
                src_subresource: layers(mip - 1),
                src_offsets: offsets(sw, sw),
                dst_subresource: layers(mip),
                dst_offsets: offsets(dw, dw),
            };
            d.cmd_blit_image(
                cb,
                mipped,
                L::TRANSFER_SRC_OPTIMAL,
                mipped,
                L::TRANSFER_DST_OPTIMAL,
                &[down],
                vk::Filter::LINEAR,
            );
        }
        gpu.barrier(
            cb,
            mipped,
            Some(MIPS - 1),
            L::TRANSFER_DST_OPTIMAL,
            L::TRANSFER_SRC_OPTIMAL,
        );
        d.cmd_write_timestamp2(cb, vk::PipelineStageFlags2::ALL_TRANSFER, queries, 2);
        // 4. the canvas: dark background, the mip pyramid, a checkerboard of cleared tiles
        gpu.barrier(cb, canvas, Some(0), L::UNDEFINED, L::TRANSFER_DST_OPTIMAL);
        let range = vk::ImageSubresourceRange {
            aspect_mask: vk::ImageAspectFlags::COLOR,
            base_mip_level: 0,
            level_count: 1,
            base_array_layer: 0,
            layer_count: 1,
        };
        d.cmd_clear_color_image(
            cb,
            canvas,
            L::TRANSFER_DST_OPTIMAL,
            &vk::ClearColorValue {
                float32: [0.08, 0.08, 0.1, 1.0],
            },
            &[range],
        );
        let mut x = 0u32;
        let mut copies = vec![];
        for mip in 0..MIPS {
            let s = BASE >> mip;
            copies.push(vk::ImageCopy {
                src_subresource: layers(mip),
                src_offset: vk::Offset3D::default(),
                dst_subresource: layers(0),
                dst_offset: vk::Offset3D {
                    x: x as i32,
                    y: 0,
                    z: 0,
                },
                extent: vk::Extent3D {
                    width: s,
                    height: s,
                    depth: 1,
                },
            });
            x += s;
        }
        gpu.barrier(
            cb,
            canvas,
            Some(0),
            L::TRANSFER_DST_OPTIMAL,
            L::TRANSFER_DST_OPTIMAL,
        );
        d.cmd_copy_image(
            cb,
            mipped,
            L::TRANSFER_SRC_OPTIMAL,
            canvas,
            L::TRANSFER_DST_OPTIMAL,
            &copies,
        );
        gpu.barrier(cb, tile, Some(0), L::UNDEFINED, L::TRANSFER_DST_OPTIMAL);
        for (i, shade) in [0.9f32, 0.25].iter().enumerate() {
            if i > 0 {
                gpu.barrier(
                    cb,
                    tile,
                    Some(0),
                    L::TRANSFER_SRC_OPTIMAL,
                    L::TRANSFER_DST_OPTIMAL,
                );
            }
            d.cmd_clear_color_image(
                cb,
                tile,
                L::TRANSFER_DST_OPTIMAL,
                &vk::ClearColorValue {
                    float32: [*shade, *shade, *shade, 1.0],
                },
                &[range],
            );
            gpu.barrier(
                cb,
                tile,
                Some(0),
                L::TRANSFER_DST_OPTIMAL,
                L::TRANSFER_SRC_OPTIMAL,
            );
            let mut tiles = vec![];
            for ty in 0..4 {
                for tx in 0..8 {
                    if (tx + ty) % 2 == i as u32 {
                        tiles.push(vk::ImageCopy {
                            src_subresource: layers(0),
                            src_offset: vk::Offset3D::default(),
                            dst_subresource: layers(0),
                            dst_offset: vk::Offset3D {
                                x: 256 + tx as i32 * 32,
                                y: 128 + ty as i32 * 32,
                                z: 0,
                            },
                            extent: vk::Extent3D {
                                width: 32,
                                height: 32,
                                depth: 1,
                            },
                        });
                    }
                }
            }
            d.cmd_copy_image(
                cb,
                tile,
                L::TRANSFER_SRC_OPTIMAL,
                canvas,
                L::TRANSFER_DST_OPTIMAL,
                &tiles,
            );
        }
        d.cmd_write_timestamp2(cb, vk::PipelineStageFlags2::ALL_TRANSFER, queries, 3);
        // 5. read back
        gpu.barrier(
            cb,
            canvas,
            Some(0),
            L::TRANSFER_DST_OPTIMAL,
            L::TRANSFER_SRC_OPTIMAL,
        );
        d.cmd_copy_image_to_buffer(
            cb,
            canvas,
            L::TRANSFER_SRC_OPTIMAL,
            readback,
            &[vk::BufferImageCopy {
                buffer_offset: 0,
                buffer_row_length: 0,
                buffer_image_height: 0,
                image_subresource: layers(0),
                image_offset: vk::Offset3D::default(),
                image_extent: vk::Extent3D {
                    width: W,
                    height: H,
                    depth: 1,
                },
            }],
        );
        d.cmd_write_timestamp2(cb, vk::PipelineStageFlags2::ALL_TRANSFER, queries, 4);
        d.end_command_buffer(cb).unwrap();

        // Submit first: the queue waits for the timeline value the host signals once the
        // palette is in the staging buffer (wait-before-signal).
        let wait = [vk::SemaphoreSubmitInfo::default()
            .semaphore(upload_ready)
            .value(1)
            .stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)];
        let cbs = [vk::CommandBufferSubmitInfo::default().command_buffer(cb)];
        let fence = d
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        d.queue_submit2(
            gpu.queue,
            &[vk::SubmitInfo2::default()
                .wait_semaphore_infos(&wait)
                .command_buffer_infos(&cbs)],
            fence,
        )
        .unwrap();
        let palette_rgba: [[u8; 4]; 16] = [
            [230, 57, 70, 255],
            [241, 250, 238, 255],
            [168, 218, 220, 255],
            [69, 123, 157, 255],
            [29, 53, 87, 255],
            [244, 162, 97, 255],
            [233, 196, 106, 255],
            [42, 157, 143, 255],
            [38, 70, 83, 255],
            [231, 111, 81, 255],
            [131, 56, 236, 255],
            [58, 134, 255, 255],
            [255, 190, 11, 255],
            [251, 86, 7, 255],
            [255, 0, 110, 255],
            [6, 214, 160, 255],
        ];
        std::ptr::copy_nonoverlapping(palette_rgba.as_ptr() as *const u8, staging_ptr, 64);
        d.signal_semaphore(
            &vk::SemaphoreSignalInfo::default()
                .semaphore(upload_ready)
                .value(1),
        )
        .unwrap();
        d.wait_for_fences(&[fence], true, u64::MAX).unwrap();
        d.destroy_fence(fence, None);

        let mut ts = [0u64; 5];
        d.get_query_pool_results(
            queries,
            0,
            &mut ts,
            vk::QueryResultFlags::TYPE_64 | vk::QueryResultFlags::WAIT,
        )
        .unwrap();
        let period = props.limits.timestamp_period as f64;
        let ms = |a: usize, b: usize| (ts[b] - ts[a]) as f64 * period / 1e6;
        println!(
            "queue:   upload + 64x upscale {:.3} ms, {} mip levels {:.3} ms, compose {:.3} ms, readback {:.3} ms",
            ms(0, 1),
            MIPS,
            ms(1, 2),
            ms(2, 3),
            ms(3, 4)
        );

        let pixels = std::slice::from_raw_parts(readback_ptr, (W * H * 4) as usize);
        // Self-check: the gradient's corner texels are (nearly) the palette's corners, the
        // 1x1 mip is the average colour, and the checkerboard alternates.
        let px = |x: u32, y: u32| &pixels[((y * W + x) * 4) as usize..][..4];
        let close = |a: &[u8], b: &[u8]| a.iter().zip(b).all(|(x, y)| x.abs_diff(*y) <= 8);
        assert!(close(px(0, 0), &palette_rgba[0]), "top-left {:?}", px(0, 0));
        assert!(
            close(px(255, 255), &palette_rgba[15]),
            "bottom-right {:?}",
            px(255, 255)
        );
        assert_eq!(px(256 + 8, 128 + 8), [229, 229, 229, 255]); // 0.9 * 255 = 229.49...
        assert_eq!(px(256 + 40, 128 + 8), [64, 64, 64, 255]);
        write_png(&out_path, W, H, pixels).expect("writing the PNG");
        println!(
            "wrote:   {out_path} ({W}x{H}), total {:.1} ms",
            t_start.elapsed().as_secs_f64() * 1e3
        );

        d.destroy_command_pool(pool, None);
        d.destroy_semaphore(upload_ready, None);
        d.destroy_query_pool(queries, None);
        for i in [palette, mipped, tile, canvas] {
            d.destroy_image(i, None);
        }
        for b in [staging, readback] {
            d.destroy_buffer(b, None);
        }
        for m in [
            palette_mem,
            mipped_mem,
            tile_mem,
            canvas_mem,
            staging_mem,
            readback_mem,
        ] {
            d.free_memory(m, None);
        }
        d.destroy_device(None);
        gpu.instance.destroy_instance(None);
    }
}

/// A minimal PNG writer (RGBA8, stored deflate blocks): small enough to write here.
fn write_png(path: &str, w: u32, h: u32, rgba: &[u8]) -> std::io::Result<()> {
    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in data {
            c ^= b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let mut raw = Vec::with_capacity(((w * 4 + 1) * h) as usize);
    for y in 0..h as usize {
        raw.push(0); // filter: none
        raw.extend_from_slice(&rgba[y * w as usize * 4..(y + 1) * w as usize * 4]);
    }
    let mut z = vec![0x78, 0x01];
    for (i, block) in raw.chunks(65535).enumerate() {
        let last = (i + 1) * 65535 >= raw.len();
        z.push(last as u8);
        z.extend_from_slice(&(block.len() as u16).to_le_bytes());
        z.extend_from_slice(&(!(block.len() as u16)).to_le_bytes());
        z.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = vec![];
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &z);
    chunk(&mut png, b"IEND", &[]);
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::File::create(path)?.write_all(&png)
}
