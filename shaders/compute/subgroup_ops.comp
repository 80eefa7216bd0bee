#version 450
// Subgroup vote, ballot, broadcast, arithmetic (reduce, inclusive and exclusive scans),
// shuffle, relative shuffle and clustered operations and the mask built-ins, with subgroups of
// one invocation (softvk's subgroupSize). Each invocation writes 64 words; the expectations are
// the CPU reference for subgroups of size 1 (exclusive scans give the identities).
#extension GL_KHR_shader_subgroup_basic : enable
#extension GL_KHR_shader_subgroup_vote : enable
#extension GL_KHR_shader_subgroup_ballot : enable
#extension GL_KHR_shader_subgroup_arithmetic : enable
#extension GL_KHR_shader_subgroup_shuffle : enable
#extension GL_KHR_shader_subgroup_shuffle_relative : enable
#extension GL_KHR_shader_subgroup_clustered : enable
layout(local_size_x = 4) in;
layout(std430, binding = 0) buffer I { int x[4]; float f[4]; uint u[4]; } i;
layout(std430, binding = 1) buffer O { uint o[]; } o;

uint k = 0;
void put(uint v) { o.o[gl_LocalInvocationIndex * 64 + k] = v; k++; }
void putb(bool v) { put(v ? 1u : 0u); }
void putf(float v) { put(floatBitsToUint(v)); }
void put4(uvec4 v) { put(v.x); put(v.y); put(v.z); put(v.w); }

void main() {
    uint id = gl_LocalInvocationIndex;
    int x = i.x[id];
    float f = i.f[id];
    uint u = i.u[id];
    bool p = x > 0;
    // vote: 0..2
    putb(subgroupAll(p)); putb(subgroupAny(p)); putb(subgroupAllEqual(x));
    // ballot: 3..13
    uvec4 b = subgroupBallot(p);
    put4(b);
    putb(subgroupInverseBallot(uvec4(u, 0, 0, 0)));
    putb(subgroupBallotBitExtract(uvec4(u, u >> 1, 7, 0x80000000u), uint(x) & 127u));
    put(subgroupBallotBitCount(b));
    put(subgroupBallotInclusiveBitCount(b));
    put(subgroupBallotExclusiveBitCount(b));
    uvec4 all = subgroupBallot(true);
    put(subgroupBallotFindLSB(all));
    put(subgroupBallotFindMSB(all));
    // broadcast: 14..16 (the last with a dynamic id)
    put(uint(subgroupBroadcast(x, 0)));
    put(uint(subgroupBroadcastFirst(x)));
    put(uint(subgroupBroadcast(x, gl_SubgroupInvocationID)));
    // int arithmetic: reduce 17..23, inclusive 24..30, exclusive 31..37
    put(uint(subgroupAdd(x))); put(uint(subgroupMul(x))); put(uint(subgroupMin(x)));
    put(uint(subgroupMax(x))); put(uint(subgroupAnd(x))); put(uint(subgroupOr(x)));
    put(uint(subgroupXor(x)));
    put(uint(subgroupInclusiveAdd(x))); put(uint(subgroupInclusiveMul(x)));
    put(uint(subgroupInclusiveMin(x))); put(uint(subgroupInclusiveMax(x)));
    put(uint(subgroupInclusiveAnd(x))); put(uint(subgroupInclusiveOr(x)));
    put(uint(subgroupInclusiveXor(x)));
    put(uint(subgroupExclusiveAdd(x))); put(uint(subgroupExclusiveMul(x)));
    put(uint(subgroupExclusiveMin(x))); put(uint(subgroupExclusiveMax(x)));
    put(uint(subgroupExclusiveAnd(x))); put(uint(subgroupExclusiveOr(x)));
    put(uint(subgroupExclusiveXor(x)));
    // uint: 38..41; float: 42..49; bool: 50..52
    put(subgroupMin(u)); put(subgroupMax(u));
    put(subgroupExclusiveMin(u)); put(subgroupExclusiveMax(u));
    putf(subgroupAdd(f)); putf(subgroupInclusiveMul(f)); putf(subgroupMin(f)); putf(subgroupMax(f));
    putf(subgroupExclusiveAdd(f)); putf(subgroupExclusiveMul(f));
    putf(subgroupExclusiveMin(f)); putf(subgroupExclusiveMax(f));
    putb(subgroupExclusiveAnd(p)); putb(subgroupExclusiveOr(p)); putb(subgroupExclusiveXor(p));
    // shuffles and clustered: 53..58
    put(uint(subgroupShuffle(x, 0))); put(uint(subgroupShuffleXor(x, 0)));
    put(uint(subgroupShuffleUp(x, 0))); put(uint(subgroupShuffleDown(x, 0)));
    put(uint(subgroupClusteredAdd(x, 1))); putf(subgroupClusteredMax(f, 1));
    // masks: 59..63 (x components only; 60.. would overflow 64 words, so .x of each)
    put(gl_SubgroupEqMask.x); put(gl_SubgroupGeMask.x); put(gl_SubgroupGtMask.x);
    put(gl_SubgroupLeMask.x); put(gl_SubgroupLtMask.x | gl_SubgroupEqMask.y | gl_SubgroupGeMask.w);
}
