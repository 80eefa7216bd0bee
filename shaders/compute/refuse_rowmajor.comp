#version 450
// Row-major matrices change the meaning of MatrixStride: refused at compile time.
layout(local_size_x = 1) in;
layout(std430, row_major, set = 0, binding = 0) buffer B { mat2 m; vec2 r; } b;
void main() { b.r = b.m * vec2(1.0); }
