// WGSL through naga: switch with fallthrough-free cases and a default, loop/continuing/break
// with a break-if, a function taking a ptr<function>, a private variable, a 2x2 matrix times a
// vector, bitcast, i32 division and remainder (naga guards them), min/max/clamp/abs on i32.
// One workgroup of 64; 8 words per invocation. Expected values: wgsl_control.py.
@group(0) @binding(0) var<storage, read_write> out: array<u32>;

var<private> calls: u32 = 0u;

fn bump(p: ptr<function, i32>, by: i32) {
    *p = *p * 3 + by;
    calls = calls + 1u;
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32) {
    let x = i32(lid) - 20;
    var s: i32;
    switch (lid % 5u) {
        case 0u: { s = x * 7; }
        case 1u, 2u: { s = -x; }
        case 3u: { s = x / 3; }
        default: { s = 100 - x; }
    }
    var acc = 1;
    var n = 0u;
    loop {
        if (n >= (lid & 7u)) { break; }
        bump(&acc, x);
        continuing {
            n = n + 1u;
            break if acc > 5000;
        }
    }
    let m = mat2x2<f32>(vec2<f32>(1.0, 2.0), vec2<f32>(-3.0, 0.5));
    let v = m * vec2<f32>(f32(x), 2.0);
    let o = lid * 8u;
    out[o] = bitcast<u32>(s);
    out[o + 1u] = bitcast<u32>(acc);
    out[o + 2u] = calls;
    out[o + 3u] = bitcast<u32>(v.x);
    out[o + 4u] = bitcast<u32>(v.y);
    out[o + 5u] = bitcast<u32>(x % 6);
    out[o + 6u] = bitcast<u32>(clamp(x, -5, 9) + max(x, 0) - min(abs(x), 4));
    out[o + 7u] = bitcast<u32>(i32(lid) / (i32(lid % 4u) - 1));
}
