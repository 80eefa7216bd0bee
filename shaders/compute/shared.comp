#version 450
// Shared-memory tree reduction with barriers (64 invocations per workgroup), plus a value that
// crosses a barrier in a local variable.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) readonly buffer In { uint v[]; } i;
layout(set = 0, binding = 1) buffer Out { uint sum[]; } o;
shared uint partial[64];
void main() {
    uint l = gl_LocalInvocationID.x;
    uint mine = i.v[gl_GlobalInvocationID.x];
    partial[l] = mine;
    barrier();
    for (uint s = 32u; s > 0u; s >>= 1) {
        if (l < s) partial[l] += partial[l + s];
        barrier();
    }
    if (l == 0u) o.sum[gl_WorkGroupID.x] = partial[0];
    // Every invocation still sees the final sum and its own value.
    o.sum[4u + gl_GlobalInvocationID.x] = partial[0] - mine;
}
