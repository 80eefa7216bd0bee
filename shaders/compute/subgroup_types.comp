#version 450
// Subgroup operations on 16-bit integers, halves, doubles and vectors (shaderSubgroupExtended
// Types) with subgroups of 4: six invocations, so the second subgroup has two active lanes.
// 16 words per invocation; expected values: the CPU reference model in subgroup_types.py (see
// subgroup_types.test).
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_ballot : require
#extension GL_KHR_shader_subgroup_vote : require
#extension GL_EXT_shader_subgroup_extended_types_int16 : require
#extension GL_EXT_shader_subgroup_extended_types_float16 : require
layout(local_size_x = 6) in;
layout(set = 0, binding = 0, std430) buffer B {
    int16_t a[6]; float16_t h[6]; double d[6]; ivec4 v[6]; uint r[];
} b;
void main() {
    uint id = gl_LocalInvocationIndex;
    int16_t a = b.a[id];
    float16_t h = b.h[id];
    double d = b.d[id];
    ivec4 v = b.v[id];
    uint o = id * 16;
    b.r[o + 0] = uint(uint16_t(subgroupAdd(a)));
    b.r[o + 1] = uint(uint16_t(subgroupInclusiveMin(a)));
    b.r[o + 2] = uint(uint16_t(subgroupExclusiveMax(a)));
    b.r[o + 3] = uint(uint16_t(subgroupShuffleXor(a, 1u)));
    b.r[o + 4] = uint(float16BitsToUint16(subgroupAdd(h)));
    b.r[o + 5] = uint(float16BitsToUint16(subgroupInclusiveMul(h)));
    b.r[o + 6] = uint(float16BitsToUint16(subgroupExclusiveMin(h)));
    uvec2 s = unpackDouble2x32(subgroupAdd(d));
    b.r[o + 7] = s.x;
    b.r[o + 8] = s.y;
    uvec2 m = unpackDouble2x32(subgroupInclusiveMax(d));
    b.r[o + 9] = m.x;
    b.r[o + 10] = m.y;
    ivec4 e = subgroupExclusiveAdd(v);
    b.r[o + 11] = uint(e.x);
    b.r[o + 12] = uint(e.y);
    b.r[o + 13] = uint(e.z);
    b.r[o + 14] = uint(subgroupBroadcast(v, 2u).w);
    b.r[o + 15] = uint(subgroupAllEqual(a)) + 2u * uint(subgroupAllEqual(v.w));
}
