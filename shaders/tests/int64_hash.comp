#version 450
// 64-bit integers through the loader (tests/tests/int64.rs): splitmix64 of each invocation's
// index mixed with a 64-bit specialization constant, a subgroup sum of 64-bit values
// (shaderSubgroupExtendedTypes), a per-workgroup wrapping sum in shared memory, and signed
// 64-bit division and remainder.
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_EXT_shader_subgroup_extended_types_int64 : require
layout(local_size_x = 64) in;
layout(constant_id = 0) const uint64_t SEED = 1ul;
layout(set = 0, binding = 0) buffer Out { uint64_t sums[8]; uint64_t h[]; } o;
shared uint64_t part[64];

uint64_t splitmix64(uint64_t x) {
    uint64_t z = x + 0x9E3779B97F4A7C15ul;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ul;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBul;
    return z ^ (z >> 31);
}

void main() {
    uint gid = gl_GlobalInvocationID.x, lid = gl_LocalInvocationID.x;
    uint64_t z = splitmix64(SEED ^ uint64_t(gid));
    z = subgroupAdd(z);
    int64_t s = int64_t(z);
    o.h[3u * gid] = z;
    o.h[3u * gid + 1u] = uint64_t(s / -7l);
    o.h[3u * gid + 2u] = uint64_t(s % 1000003l);
    part[lid] = z;
    barrier();
    if (lid == 0u) {
        uint64_t sum = 0ul;
        for (uint k = 0u; k < 64u; ++k) sum += part[k];
        o.sums[gl_WorkGroupID.x] = sum;
    }
}
