#version 450
// Float atomics through the loader (tests/tests/float64.rs): every invocation of every
// workgroup adds a multiple of 1/8 to one float and one double in a storage buffer (exact in
// any order), and to a shared float whose total each workgroup writes out.
#extension GL_EXT_shader_atomic_float : require
#extension GL_EXT_shader_explicit_arithmetic_types_float64 : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) buffer B {
    float sum;
    float pad;
    double dsum;
    float per_group[];
};
shared float ssum;
void main() {
    if (gl_LocalInvocationIndex == 0u) {
        ssum = 0.0;
    }
    barrier();
    float v = float(gl_GlobalInvocationID.x % 16u) * 0.125;
    atomicAdd(sum, v);
    atomicAdd(dsum, double(v) * 2.0);
    atomicAdd(ssum, v);
    barrier();
    if (gl_LocalInvocationIndex == 0u) {
        atomicExchange(per_group[gl_WorkGroupID.x], ssum);
    }
}
