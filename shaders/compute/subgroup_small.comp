#version 450
// A small module with one subgroup operation of each kind (the hostile-word test mutates it):
// one full subgroup of 4 with x = 1, 2, 3, 4.
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_ballot : require
#extension GL_KHR_shader_subgroup_vote : require
#extension GL_KHR_shader_subgroup_clustered : require
#extension GL_KHR_shader_subgroup_quad : require
#extension GL_EXT_shader_subgroup_extended_types_int64 : require
layout(local_size_x = 4) in;
layout(std430, binding = 0) buffer B { uint x[4]; uint r[]; } b;
void main() {
    uint l = gl_SubgroupInvocationID;
    uint x = b.x[l];
    b.r[l * 6 + 0] = uint(subgroupAdd(uint64_t(x) << 32) >> 32);
    b.r[l * 6 + 1] = subgroupShuffleXor(x, 1u);
    b.r[l * 6 + 2] = subgroupBallot(x > 2u).x;
    b.r[l * 6 + 3] = subgroupClusteredMax(x, 2u);
    b.r[l * 6 + 4] = subgroupQuadSwapDiagonal(x);
    b.r[l * 6 + 5] = uint(subgroupAny(x == 3u)) + uint(subgroupInclusiveMul(float(x)));
}
