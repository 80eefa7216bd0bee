#version 450
// Subgroup operations with subgroups of 4 (softvk's subgroupSize): six invocations, so the
// second subgroup has two active lanes of four; then the same operations inside divergent
// control flow (only the lanes with x > 0) and in a loop whose trip count differs per lane.
// Each invocation writes 160 words; the expectations come from the CPU reference model in
// subgroup_ops.py (see subgroup_ops.test).
#extension GL_KHR_shader_subgroup_basic : enable
#extension GL_KHR_shader_subgroup_vote : enable
#extension GL_KHR_shader_subgroup_ballot : enable
#extension GL_KHR_shader_subgroup_arithmetic : enable
#extension GL_KHR_shader_subgroup_shuffle : enable
#extension GL_KHR_shader_subgroup_shuffle_relative : enable
#extension GL_KHR_shader_subgroup_clustered : enable
#extension GL_KHR_shader_subgroup_quad : enable
layout(local_size_x = 6) in;
layout(std430, binding = 0) buffer I { int x[6]; float f[6]; uint u[6]; } i;
layout(std430, binding = 1) buffer O { uint o[]; } o;

uint k = 0;
void put(uint v) { o.o[gl_LocalInvocationIndex * 160 + k] = v; k++; }
void puti(int v) { put(uint(v)); }
void putb(bool v) { put(v ? 1u : 0u); }
void putf(float v) { put(floatBitsToUint(v)); }
void put4(uvec4 v) { put(v.x); put(v.y); put(v.z); put(v.w); }

// Operations whose result depends on which lanes are active (called under full, partial and
// divergent masks). Shuffles that may read inactive lanes stay in main: a parameter's copy is
// only written by the lanes that make the call.
void masked(int x, float f, bool p) {
    putb(subgroupElect());
    putb(subgroupAll(p)); putb(subgroupAny(p)); putb(subgroupAllEqual(x));
    put4(subgroupBallot(p));
    put(subgroupBallotBitCount(subgroupBallot(p)));
    put(subgroupBallotInclusiveBitCount(subgroupBallot(true)));
    put(subgroupBallotExclusiveBitCount(subgroupBallot(true)));
    put(subgroupBallotFindLSB(subgroupBallot(true)));
    put(subgroupBallotFindMSB(subgroupBallot(true)));
    puti(subgroupBroadcastFirst(x));
    puti(subgroupAdd(x)); puti(subgroupInclusiveAdd(x)); puti(subgroupExclusiveAdd(x));
    puti(subgroupMin(x)); puti(subgroupExclusiveMax(x));
    putf(subgroupAdd(f)); putf(subgroupInclusiveMul(f)); putf(subgroupExclusiveMin(f));
    putb(subgroupOr(p)); putb(subgroupInclusiveAnd(p)); putb(subgroupExclusiveXor(p));
    puti(subgroupClusteredAdd(x, 2)); puti(subgroupClusteredMax(x, 4));
}

void main() {
    uint id = gl_LocalInvocationIndex;
    int x = i.x[id];
    float f = i.f[id];
    uint u = i.u[id];
    bool p = x > 0;
    // built-ins: 0..3, masks 4..23
    put(gl_SubgroupSize); put(gl_SubgroupInvocationID); put(gl_NumSubgroups); put(gl_SubgroupID);
    put4(gl_SubgroupEqMask); put4(gl_SubgroupGeMask); put4(gl_SubgroupGtMask);
    put4(gl_SubgroupLeMask); put4(gl_SubgroupLtMask);
    // every lane of the subgroup: 24..50
    masked(x, f, p);
    // ballot queries of lane-dependent values: 51..52
    putb(subgroupInverseBallot(uvec4(u, 0, 0, 0)));
    putb(subgroupBallotBitExtract(uvec4(u, u >> 1, 7, 0x80000000u), uint(x) & 127u));
    // int arithmetic: reduce 53..59, inclusive 60..66, exclusive 67..73
    puti(subgroupAdd(x)); puti(subgroupMul(x)); puti(subgroupMin(x));
    puti(subgroupMax(x)); puti(subgroupAnd(x)); puti(subgroupOr(x)); puti(subgroupXor(x));
    puti(subgroupInclusiveAdd(x)); puti(subgroupInclusiveMul(x));
    puti(subgroupInclusiveMin(x)); puti(subgroupInclusiveMax(x));
    puti(subgroupInclusiveAnd(x)); puti(subgroupInclusiveOr(x)); puti(subgroupInclusiveXor(x));
    puti(subgroupExclusiveAdd(x)); puti(subgroupExclusiveMul(x));
    puti(subgroupExclusiveMin(x)); puti(subgroupExclusiveMax(x));
    puti(subgroupExclusiveAnd(x)); puti(subgroupExclusiveOr(x)); puti(subgroupExclusiveXor(x));
    // uint: 74..77; float: 78..85; bool: 86..91
    put(subgroupMin(u)); put(subgroupMax(u));
    put(subgroupExclusiveMin(u)); put(subgroupInclusiveMax(u));
    putf(subgroupAdd(f)); putf(subgroupMul(f)); putf(subgroupMin(f)); putf(subgroupMax(f));
    putf(subgroupExclusiveAdd(f)); putf(subgroupExclusiveMul(f));
    putf(subgroupInclusiveMin(f)); putf(subgroupExclusiveMax(f));
    putb(subgroupAnd(p)); putb(subgroupXor(p));
    putb(subgroupExclusiveAnd(p)); putb(subgroupExclusiveOr(p));
    putb(subgroupInclusiveXor(p)); putb(subgroupInclusiveOr(p));
    // broadcasts and shuffles: 92..102
    puti(subgroupBroadcast(x, 1)); puti(subgroupBroadcast(x, 3));
    puti(subgroupBroadcast(x, gl_SubgroupInvocationID ^ 2u));
    puti(subgroupShuffle(x, (gl_SubgroupInvocationID + 1u) & 3u)); puti(subgroupShuffle(x, 2u));
    puti(subgroupShuffleXor(x, 3)); puti(subgroupShuffleXor(x, uint(x) & 3u));
    puti(subgroupShuffleUp(x, 2)); puti(subgroupShuffleDown(x, 1));
    puti(subgroupShuffle(int(u), 0u)); puti(subgroupShuffleDown(int(u), 3));
    // clustered: 103..107
    puti(subgroupClusteredAdd(x, 1)); puti(subgroupClusteredMul(x, 2));
    puti(subgroupClusteredMin(x, 4)); putf(subgroupClusteredMax(f, 2));
    put(subgroupClusteredOr(u, 2));
    // quad: 108..111
    puti(subgroupQuadBroadcast(x, 2)); puti(subgroupQuadSwapHorizontal(x));
    puti(subgroupQuadSwapVertical(x)); puti(subgroupQuadSwapDiagonal(x));
    // divergent: the lanes with x > 0 (112..147), the others (112..113)
    if (p) {
        masked(x, f, x > 2);
        putb(subgroupElect()); put4(subgroupBallot(true));
        puti(subgroupShuffle(x, 1u)); putf(subgroupMax(f));
        // reading inactive lanes: their current value of x
        puti(subgroupShuffleXor(x, 1)); puti(subgroupShuffleUp(x, 1));
    } else {
        // a loop whose trip count (2 - x) differs per lane
        int acc = 0;
        for (int j = 0; j < 2 - x; j++) {
            acc += subgroupAdd(1) * 100 + subgroupInclusiveAdd(j);
        }
        puti(acc); puti(subgroupAdd(x));
    }
}
