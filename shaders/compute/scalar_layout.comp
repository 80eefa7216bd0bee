#version 450
// scalarBlockLayout (VK_EXT_scalar_block_layout): blocks laid out with scalar alignment — a
// vec3 right after a float, arrays of vec3 with a 12-byte stride, a struct of a float and a
// vec2 in 12 bytes — read and written through the offsets and strides the module declares.
#extension GL_EXT_scalar_block_layout : require
layout(local_size_x = 4) in;
struct S {
    float f;
    vec2 v;
};
layout(scalar, set = 0, binding = 0) buffer In {
    float a;        // offset 0
    vec3 b;         // offset 4
    vec3 arr[4];    // offset 16, stride 12
    S s[4];         // offset 64, stride 12
} src;
layout(scalar, set = 0, binding = 1) buffer Out {
    vec3 o[4];      // stride 12
    float t[4];
} dst;
void main() {
    uint i = gl_LocalInvocationIndex;
    dst.o[i] = src.arr[i] * src.a + src.b;
    dst.t[i] = src.s[i].f + src.s[i].v.x * 10.0 + src.s[i].v.y * 100.0;
}
