#version 450
// Push descriptors (tests/tests/push_descriptors.rs): b[i] = 3 a[i] + 1 through a push
// descriptor set (binding 0 read, binding 1 written).
layout(local_size_x = 4) in;
layout(set = 0, binding = 0, std430) readonly buffer A { uint a[]; };
layout(set = 0, binding = 1, std430) writeonly buffer B { uint b[]; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    b[i] = a[i] * 3u + 1u;
}
