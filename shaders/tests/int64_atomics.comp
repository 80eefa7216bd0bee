#version 450
// 64-bit atomics through the loader (tests/tests/int64.rs): 1024 invocations in 16 workgroups
// add, max and min on a storage buffer and add on shared memory; the old values returned by
// the buffer add are each invocation's slot in a permutation of 0..1024 (times 2^32 + 1).
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#extension GL_EXT_shader_atomic_int64 : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) buffer B { uint64_t count; int64_t mx; int64_t mn; uint64_t wg[16]; uint64_t old[]; } b;
shared uint64_t s;
void main() {
    uint gid = gl_GlobalInvocationID.x;
    if (gl_LocalInvocationID.x == 0u) s = 0ul;
    barrier();
    b.old[gid] = atomicAdd(b.count, 0x100000001ul);
    int64_t v = (int64_t(gid) - 512l) * 1000000000000l;
    atomicMax(b.mx, v);
    atomicMin(b.mn, v);
    atomicAdd(s, uint64_t(gid) << 40);
    barrier();
    if (gl_LocalInvocationID.x == 0u) b.wg[gl_WorkGroupID.x] = s;
}
