#version 450
// Subgroup operations on 8-bit integers (shaderSubgroupExtendedTypes with shaderInt8) with
// subgroups of 4: six invocations, so the second subgroup has two active lanes. 12 words per
// invocation; expected values: the CPU reference model in int8_subgroup.py.
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
#extension GL_EXT_shader_8bit_storage : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_shuffle_relative : require
#extension GL_KHR_shader_subgroup_ballot : require
#extension GL_KHR_shader_subgroup_vote : require
#extension GL_KHR_shader_subgroup_clustered : require
#extension GL_KHR_shader_subgroup_quad : require
#extension GL_EXT_shader_subgroup_extended_types_int8 : require
layout(local_size_x = 6) in;
layout(set = 0, binding = 0, std430) buffer B {
    int8_t a[6]; uint8_t u[6]; i8vec2 v[6]; uint r[];
} b;
void main() {
    uint id = gl_LocalInvocationIndex;
    int8_t a = b.a[id];
    uint8_t u = b.u[id];
    i8vec2 v = b.v[id];
    uint o = id * 12;
    b.r[o + 0] = uint(int(subgroupAdd(a)));
    b.r[o + 1] = uint(int(subgroupInclusiveMin(a)));
    b.r[o + 2] = uint(int(subgroupExclusiveMax(a)));
    b.r[o + 3] = uint(int(subgroupShuffleXor(a, 1u)));
    b.r[o + 4] = uint(subgroupInclusiveMul(u));
    b.r[o + 5] = uint(subgroupMax(u)) | uint(subgroupMin(u)) << 8 | uint(subgroupAnd(u)) << 16
        | uint(subgroupOr(u)) << 24;
    i8vec2 e = subgroupExclusiveAdd(v);
    b.r[o + 6] = uint(uint8_t(e.x)) | uint(uint8_t(e.y)) << 8;
    b.r[o + 7] = uint(int(subgroupBroadcast(v, 2u).y));
    b.r[o + 8] = uint(subgroupAllEqual(u)) + 2u * uint(subgroupAllEqual(v.y));
    b.r[o + 9] = uint(int(subgroupClusteredAdd(a, 2u)));
    b.r[o + 10] = uint(subgroupShuffleDown(u, 1u));   // undefined for lanes 3 and 5
    b.r[o + 11] = uint(subgroupQuadSwapHorizontal(u)) | uint(subgroupXor(u)) << 8
        | (uint(int(subgroupBroadcastFirst(a))) & 0xFFu) << 16;
}
