#version 450
// 64-bit floats through the loader (tests/tests/float64.rs): per invocation, a value derived
// from its index and a double specialization constant, Newton iterations for its square root,
// sqrt, division, a fused fma, floor/fract, conversions to int64 and float, a dmat3 from a
// std140 uniform buffer times a dvec3, and a per-workgroup sum in shared memory. `precise`
// keeps x's multiply-add unfused (softvk contracts a * b + c where the CPU has FMA), so the
// CPU's separate multiply and add are the reference.
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
layout(local_size_x = 64) in;
layout(constant_id = 0) const double SCALE = 1.0;
layout(set = 0, binding = 0, std140) uniform U { dmat3 m; double bias; } u;
layout(set = 0, binding = 1, std430) buffer Out { double sums[4]; double r[]; } o;
shared double part[64];

void main() {
    uint gid = gl_GlobalInvocationID.x, lid = gl_LocalInvocationID.x;
    precise double x = double(gid) * SCALE + u.bias;
    double g = x > 1.0lf ? x * 0.5lf : 1.0lf;
    for (int k = 0; k < 8; ++k) {
        g = 0.5lf * (g + x / g);
    }
    dvec3 v = u.m * dvec3(x, g, -x);
    uint base = 8u * gid;
    o.r[base + 0u] = g;
    o.r[base + 1u] = sqrt(x);
    o.r[base + 2u] = fma(x, x, -(x * x));
    o.r[base + 3u] = fract(x) + floor(x / 3.0lf);
    o.r[base + 4u] = double(int64_t(x * 1e15lf)) + double(float(x));
    o.r[base + 5u] = v.x;
    o.r[base + 6u] = v.y;
    o.r[base + 7u] = v.z;
    part[lid] = x;
    barrier();
    if (lid == 0u) {
        double s = 0.0lf;
        for (uint k = 0u; k < 64u; ++k) s += part[k];
        o.sums[gl_WorkGroupID.x] = s;
    }
}
