#version 450
// 8-bit integers through the loader (tests/tests/float64.rs): per invocation, an 8-bit value
// from a storage buffer (1-byte stride), an 8-bit multiplier from a uniform buffer and an
// 8-bit bias from push constants (storageBuffer8BitAccess, uniformAndStorageBuffer8BitAccess,
// storagePushConstant8), an 8-bit xorshift with wrapping arithmetic (shaderInt8), results
// stored as 8-bit values, the 8-bit sum of each subgroup of 4 (shaderSubgroupExtendedTypes)
// and a 32-bit sum per workgroup from shared memory.
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
#extension GL_EXT_shader_8bit_storage : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_EXT_shader_subgroup_extended_types_int8 : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std140) uniform U { uint8_t mul; } u;
layout(push_constant) uniform P { int8_t bias; } pc;
layout(set = 0, binding = 1, std430) buffer B { uint sums[4]; uint8_t v[256]; uint8_t sg[]; } b;
shared uint part[64];
void main() {
    uint gid = gl_GlobalInvocationID.x, lid = gl_LocalInvocationID.x;
    uint8_t x = b.v[gid];
    for (int k = 0; k < 4; ++k) {
        x ^= x << uint8_t(3);
        x ^= x >> uint8_t(5);
        x ^= x << uint8_t(1);
        x = x * u.mul + uint8_t(pc.bias);
    }
    int8_t s = int8_t(x);
    b.v[gid] = uint8_t(s / int8_t(-7));
    b.sg[gid] = subgroupAdd(x);
    part[lid] = uint(x);
    barrier();
    if (lid == 0u) {
        uint sum = 0u;
        for (uint k = 0u; k < 64u; ++k) sum += part[k];
        b.sums[gl_WorkGroupID.x] = sum;
    }
}
