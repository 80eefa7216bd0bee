#version 450
// Subgroup operations on 64-bit integers (shaderSubgroupExtendedTypes; subgroups of one
// invocation): reductions and inclusive scans give the value, exclusive scans the operation's
// 64-bit identity (UMin all ones, SMin INT64_MAX, SMax INT64_MIN, And all ones, Mul 1, Add 0),
// broadcasts and shuffles the value.
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_ballot : require
#extension GL_EXT_shader_subgroup_extended_types_int64 : require
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) buffer B { uint64_t u; int64_t s; uint64_t r[]; } b;
void main() {
    uint64_t u = b.u;
    int64_t s = b.s;
    b.r[0] = subgroupAdd(u);
    b.r[1] = subgroupInclusiveMul(u);
    b.r[2] = subgroupExclusiveMin(u);
    b.r[3] = uint64_t(subgroupExclusiveMin(s));
    b.r[4] = uint64_t(subgroupExclusiveMax(s));
    b.r[5] = subgroupExclusiveAnd(u);
    b.r[6] = subgroupExclusiveMul(u);
    b.r[7] = subgroupExclusiveAdd(u);
    b.r[8] = uint64_t(subgroupMax(s));
    b.r[9] = subgroupBroadcastFirst(u);
    b.r[10] = subgroupShuffle(u, 0u);
    b.r[11] = uint64_t(subgroupExclusiveMax(u));
}
