#version 450
// Row-major matrices in std140 (uniform), std430 (storage) and push-constant blocks: whole
// matrix loads and stores, columns and single elements through access chains, constant and
// dynamic indices.
layout(local_size_x = 1) in;
layout(std140, binding = 0) uniform U { layout(row_major) mat2x3 a; layout(row_major) mat3 b[2]; } u;
layout(std430, binding = 1) buffer S { layout(row_major) mat3x2 m; layout(row_major) mat4 n; } s;
layout(std430, binding = 2) buffer O { float o[]; } o;
layout(push_constant, row_major) uniform P { mat2 p; int k; } pc;

void main() {
    int k = pc.k;
    mat2x3 A = u.a;
    o.o[0] = A[0][0]; o.o[1] = A[0][1]; o.o[2] = A[0][2];
    o.o[3] = A[1][0]; o.o[4] = A[1][1]; o.o[5] = A[1][2];
    vec3 c = u.b[1][2];
    o.o[6] = c.x; o.o[7] = c.y; o.o[8] = c.z;
    o.o[9] = u.b[k][0][k + 1];
    mat2 P = pc.p;
    o.o[10] = P[0][0]; o.o[11] = P[0][1]; o.o[12] = P[1][0]; o.o[13] = P[1][1];
    o.o[14] = pc.p[k][0];
    mat4 N = s.n;
    for (int i = 0; i < 16; i++) {
        o.o[15 + i] = N[i / 4][i % 4];
    }
    s.m = mat3x2(1, 2, 3, 4, 5, 6);
    s.n[2] = vec4(7, 8, 9, 10);
    s.n[3][1] = 11.0;
    s.n[k][3] = 12.0;
    vec2 col = s.m[k];
    o.o[31] = col.x; o.o[32] = col.y;
}
