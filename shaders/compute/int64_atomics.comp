#version 450
// 64-bit atomics (shaderBufferInt64Atomics, shaderSharedInt64Atomics; formerly
// refuse_int64_atomics): 256 invocations in 4 workgroups on a storage buffer and on shared
// memory, every operation; results that do not depend on the order invocations run in. An
// atomic past the end of the runtime array is dropped and returns 0.
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#extension GL_EXT_shader_atomic_int64 : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) buffer B {
    uint64_t sum; int64_t mn; int64_t mx; uint64_t umn; uint64_t umx;
    uint64_t and_; uint64_t or_; uint64_t xor_; uint64_t cas; uint64_t xchg; uint64_t oob;
    uint64_t wg[4];
    uint64_t tail[];
} b;
shared uint64_t s;
void main() {
    uint gid = gl_GlobalInvocationID.x, lid = gl_LocalInvocationID.x;
    uint64_t g = uint64_t(gid);
    if (lid == 0u) s = 0ul;
    barrier();
    atomicAdd(b.sum, g << 33);
    atomicMin(b.mn, int64_t(g) - 100000000000l);
    atomicMax(b.mx, int64_t(g) - 100000000000l);
    atomicMin(b.umn, g << 40 | 5ul);
    atomicMax(b.umx, g << 40 | 5ul);
    atomicAnd(b.and_, ~(1ul << (gid & 63u)));
    atomicOr(b.or_, 1ul << (gid & 63u) << 0);
    atomicXor(b.xor_, g << 32);
    // Exactly one invocation swaps in its value (the first to arrive; the result is its id
    // plus a marker in the high word, checked to be one of them).
    atomicCompSwap(b.cas, 0ul, 0xABCD00000000ul | g);
    atomicExchange(b.xchg, 0x5555555555555555ul);
    b.oob = atomicAdd(b.tail[1000000u + gid], 1ul);
    atomicAdd(s, g + (1ul << 36));
    barrier();
    if (lid == 0u) b.wg[gl_WorkGroupID.x] = s;
}
