#version 450
// Loader test (tests/tests/compute.rs): reads and writes far outside the bound range must not
// crash: reads give 0, writes are dropped. Integer division by zero must not trap either.
// `small` is bound with a 4-byte range: only invocation 0's accesses to it are in range.
layout(local_size_x = 16) in;
layout(set = 0, binding = 0, std430) buffer B { uint d[]; } b;
layout(set = 0, binding = 1, std430) buffer Small { uint d[]; } small;
layout(push_constant) uniform P { uint far; uint zero; } pc;
void main() {
    uint i = gl_GlobalInvocationID.x;
    uint x = b.d[pc.far + i] + small.d[i];
    b.d[pc.far + i] = 7u;
    small.d[i] = 9u;
    uint q = (i + 1u) / pc.zero;
    b.d[i] = x + 1u + (q - q);
}
