#version 450
// Float atomics (VK_EXT_shader_atomic_float): add on 32- and 64-bit floats in a storage buffer
// and in shared memory, exchange. The addends are multiples of 1/4, so every order of the
// additions gives the same exact sums.
#extension GL_EXT_shader_atomic_float : require
#extension GL_EXT_shader_explicit_arithmetic_types_float64 : require
layout(local_size_x = 8) in;
layout(set = 0, binding = 0, std430) buffer B {
    float sum;
    float pad;
    double dsum;
    float vals[];
};
shared float ssum;
void main() {
    uint i = gl_LocalInvocationIndex;
    if (i == 0u) {
        ssum = 1.0;
    }
    barrier();
    float v = float(i) * 0.5 + 0.25;
    float before = atomicAdd(sum, v);
    atomicAdd(dsum, double(v));
    atomicAdd(ssum, v);
    float old = atomicExchange(vals[i], v * 2.0);
    vals[8u + i] = old;
    // What the add returned: one of the partial sums, at least the initial value.
    vals[17u + i] = before >= 100.0 ? 1.0 : 0.0;
    barrier();
    if (i == 0u) {
        vals[16] = ssum;
    }
}
