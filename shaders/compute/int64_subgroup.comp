#version 450
// Subgroup operations on 64-bit integers (shaderSubgroupExtendedTypes) with subgroups of 4:
// six invocations, so the second subgroup has two active lanes; 14 results per invocation.
// Expected values: the CPU reference model in int64_subgroup.py (see int64_subgroup.test).
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_ballot : require
#extension GL_KHR_shader_subgroup_clustered : require
#extension GL_EXT_shader_subgroup_extended_types_int64 : require
layout(local_size_x = 6) in;
layout(set = 0, binding = 0) buffer B { uint64_t u[6]; int64_t s[6]; uint64_t r[]; } b;
void main() {
    uint id = gl_LocalInvocationIndex;
    uint64_t u = b.u[id];
    int64_t s = b.s[id];
    uint o = id * 14;
    b.r[o + 0] = subgroupAdd(u);
    b.r[o + 1] = subgroupInclusiveMul(u);
    b.r[o + 2] = subgroupExclusiveMin(u);
    b.r[o + 3] = uint64_t(subgroupExclusiveMin(s));
    b.r[o + 4] = uint64_t(subgroupExclusiveMax(s));
    b.r[o + 5] = subgroupExclusiveAnd(u);
    b.r[o + 6] = subgroupExclusiveMul(u);
    b.r[o + 7] = subgroupInclusiveAdd(u);
    b.r[o + 8] = uint64_t(subgroupMax(s));
    b.r[o + 9] = subgroupBroadcastFirst(u);
    b.r[o + 10] = subgroupShuffle(u, (gl_SubgroupInvocationID + 1u) & 3u);
    b.r[o + 11] = subgroupExclusiveMax(u);
    b.r[o + 12] = uint64_t(subgroupShuffleXor(s, 1u));
    b.r[o + 13] = subgroupClusteredXor(u, 2u);
}
