#version 450
// Atomics across workgroups on a storage buffer and within a workgroup on shared memory.
layout(local_size_x = 32) in;
layout(set = 0, binding = 0) buffer C {
    uint count; int smin; int smax; uint umin; uint umax; uint andv; uint orv; uint xorv;
    uint exch; uint cas; int sub; uint hist[8]; uint oob[];
} c;
layout(set = 0, binding = 1) buffer Out { uint perGroup[]; } o;
shared uint local;
void main() {
    uint g = gl_GlobalInvocationID.x;
    int s = int(g) - 100;
    atomicAdd(c.count, 1u);
    atomicMin(c.smin, s);
    atomicMax(c.smax, s);
    atomicMin(c.umin, g + 5u);
    atomicMax(c.umax, g);
    atomicAnd(c.andv, ~(1u << (g % 32u)));
    atomicOr(c.orv, 1u << (g % 32u));
    atomicXor(c.xorv, g);
    atomicExchange(c.exch, 7u);
    atomicCompSwap(c.cas, 0u, g + 1u);       // exactly one invocation wins; nonzero afterwards
    atomicAdd(c.sub, -2);
    atomicAdd(c.hist[g % 8u], 1u);
    uint r = atomicAdd(c.oob[1000000u], 1u); // out of range: dropped, returns 0
    if (gl_LocalInvocationIndex == 0u) local = 0u;
    barrier();
    atomicAdd(local, g);
    barrier();
    if (gl_LocalInvocationIndex == 0u) o.perGroup[gl_WorkGroupID.x] = local + r;
}
