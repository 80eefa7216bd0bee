#version 450
// GL_EXT_buffer_reference2 pointer arithmetic through the loader (tests/tests/int64.rs):
// `base + i` and `base[i]` on a pointer from the push constants, the byte distance of two
// pointers as 64-bit integers; invocations past the end of the buffer read 0 and their writes
// are dropped.
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_buffer_reference2 : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
layout(local_size_x = 64) in;
layout(buffer_reference, std430, buffer_reference_align = 8) buffer Node {
    uint64_t key;
    uint v;
    uint pad;
};
layout(push_constant) uniform P { Node base; uint n; } pc;
layout(set = 0, binding = 0) writeonly buffer Out { uint r[]; } o;
void main() {
    uint i = gl_GlobalInvocationID.x;
    Node p = pc.base + i;
    o.r[i] = p.v + uint(p.key >> 32);
    pc.base[i].v = p.v * 2u + 1u;
    o.r[pc.n + i] = uint(uint64_t(p) - uint64_t(pc.base));
}
