"""A wgpu program (wgpu-py on wgpu-native) on softvk: it must see softvk's Vulkan adapter,
create a device and run a compute shader with the right result.

Run by tests/tests/wgpu.rs (which sets up the environment and a virtualenv with wgpu):
    VK_DRIVER_FILES=json/softvk_dev.json SOFTVK_CONFORMANCE_VERSION=1.3.0.0 python compute.py
Prints one line per step; exits non-zero on any failure. With `--expect-hidden`, checks the
other half of the story: without the override, wgpu hides softvk (conformanceVersion 0.0.0.0).
"""

import struct
import sys

import wgpu

SHADER = """
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if (i < arrayLength(&src)) {
        dst[i] = src[i] * 3u + i;
    }
}
"""


def vulkan_adapters():
    found = []
    for a in wgpu.gpu.enumerate_adapters_sync():
        info = a.info
        print(f"adapter: {info.get('device')!r} backend={info.get('backend_type')}")
        if str(info.get("backend_type", "")).lower() == "vulkan":
            found.append(a)
    return found


def main():
    adapters = vulkan_adapters()
    softvk = [a for a in adapters if "softvk" in a.info.get("device", "")]
    if "--expect-hidden" in sys.argv:
        if softvk:
            sys.exit("wgpu shows softvk although conformanceVersion is 0.0.0.0")
        print("hidden: ok")
        return
    if not softvk:
        sys.exit("wgpu does not show softvk's Vulkan adapter")
    adapter = softvk[0]
    print(f"using: {adapter.info['device']!r}, vendor {adapter.info.get('vendor')!r}")
    device = adapter.request_device_sync(required_limits={})
    n = 4099
    data = struct.pack(f"<{n}I", *range(n))
    src = device.create_buffer_with_data(data=data, usage=wgpu.BufferUsage.STORAGE)
    dst = device.create_buffer(
        size=n * 4, usage=wgpu.BufferUsage.STORAGE | wgpu.BufferUsage.COPY_SRC
    )
    module = device.create_shader_module(code=SHADER)
    pipeline = device.create_compute_pipeline(
        layout="auto", compute={"module": module, "entry_point": "main"}
    )
    group = device.create_bind_group(
        layout=pipeline.get_bind_group_layout(0),
        entries=[
            {"binding": 0, "resource": {"buffer": src, "offset": 0, "size": n * 4}},
            {"binding": 1, "resource": {"buffer": dst, "offset": 0, "size": n * 4}},
        ],
    )
    encoder = device.create_command_encoder()
    cpass = encoder.begin_compute_pass()
    cpass.set_pipeline(pipeline)
    cpass.set_bind_group(0, group)
    cpass.dispatch_workgroups((n + 63) // 64)
    cpass.end()
    device.queue.submit([encoder.finish()])
    out = struct.unpack(f"<{n}I", device.queue.read_buffer(dst))
    wrong = [i for i in range(n) if out[i] != i * 3 + i]
    if wrong:
        sys.exit(f"{len(wrong)} wrong results, first at {wrong[0]}: {out[wrong[0]]}")
    print(f"compute: {n} results ok")


if __name__ == "__main__":
    main()
