#version 450
// Multiply-adds are fused (one rounding) where the CPU has FMA, as SPIR-V allows unless the
// result is `precise` (NoContraction). x = 1 + 2^-12, d = 1 + 2^-11: x*x = 1 + 2^-11 + 2^-24,
// which rounds to d in float, so unfused x*x - d is 0 and fused it is 2^-24.
layout(local_size_x = 4) in;
layout(set = 0, binding = 0, std430) readonly buffer A { float a[]; };
layout(set = 0, binding = 1, std430) writeonly buffer O { float o[]; };
void main() {
    uint i = gl_LocalInvocationID.x;
    float x = a[2u * i];
    float d = a[2u * i + 1u];
    o[8u * i + 0u] = x * x + (-d);
    o[8u * i + 1u] = x * x - d;
    o[8u * i + 2u] = d - x * x;
    precise float p = x * x - d;
    o[8u * i + 3u] = p;
    vec2 v = vec2(x) * vec2(x, x) - vec2(d);
    o[8u * i + 4u] = v.x;
    o[8u * i + 5u] = v.y;
    float m = x * x;
    o[8u * i + 6u] = m - d;
    o[8u * i + 7u] = m;
}
