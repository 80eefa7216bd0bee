#version 450
// 16-bit integers through the loader (tests/tests/float64.rs): per invocation, a 16-bit value
// from a storage buffer (2-byte stride), a 16-bit multiplier from a uniform buffer and a
// 16-bit bias from push constants (storageBuffer16BitAccess, uniformAndStorageBuffer16BitAccess,
// storagePushConstant16), a 16-bit xorshift with wrapping arithmetic (shaderInt16), results
// stored as 16-bit values and a 32-bit sum per workgroup from shared memory.
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require
#extension GL_EXT_shader_16bit_storage : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std140) uniform U { uint16_t mul; } u;
layout(push_constant) uniform P { int16_t bias; } pc;
layout(set = 0, binding = 1, std430) buffer B { uint sums[4]; uint16_t v[]; } b;
shared uint part[64];
void main() {
    uint gid = gl_GlobalInvocationID.x, lid = gl_LocalInvocationID.x;
    uint16_t x = b.v[gid];
    for (int k = 0; k < 4; ++k) {
        x ^= x << 7us;
        x ^= x >> 9us;
        x ^= x << 8us;
        x = x * u.mul + uint16_t(pc.bias);
    }
    int16_t s = int16_t(x);
    b.v[gid] = uint16_t(s / int16_t(-7));
    part[lid] = uint(x);
    barrier();
    if (lid == 0u) {
        uint sum = 0u;
        for (uint k = 0u; k < 64u; ++k) sum += part[k];
        b.sums[gl_WorkGroupID.x] = sum;
    }
}
