#version 450
// A uniform block read through ArrayStride/Offset decorations. As written: std140 (array
// stride 16, v at 64, w at 76). The uniformBufferStandardLayout test in src/shader/tests.rs
// rewrites the decorations to the std430 ones (stride 4, v at 16, w at 28).
layout(local_size_x = 1) in;
layout(std140, binding = 0) uniform U { float a[4]; vec3 v; float w; } u;
layout(std430, binding = 1) buffer O { float o[]; } o;
void main() {
    int k = int(u.w) - 9;
    o.o[0] = u.a[0]; o.o[1] = u.a[3]; o.o[2] = u.a[k]; o.o[3] = u.v.z; o.o[4] = u.w;
}
