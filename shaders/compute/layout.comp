#version 450
// std140 uniform block, std430 storage block, push constants, matrices and struct arrays.
layout(local_size_x = 1) in;
struct S { vec3 v; float f; };
layout(std140, set = 0, binding = 0) uniform U {
    float a;          // 0
    vec3 b;           // 16
    float c[2];       // 32, stride 16
    mat2 m;           // 64, columns at 64 and 80
    S s[2];           // 96, stride 16
} u;
layout(std430, set = 0, binding = 1) buffer B {
    vec2 p;           // 0
    float q[3];       // 8, stride 4
    mat3 n;           // 32: columns stride 16
    ivec4 w;          // 80
    float tail[];     // 96
} b;
layout(push_constant) uniform P { uint k; float scale; } pc;
layout(std430, set = 0, binding = 2) buffer Out { float r[]; } o;
void main() {
    o.r[0] = u.a;
    o.r[1] = u.b.x + u.b.y * 10.0 + u.b.z * 100.0;
    o.r[2] = u.c[0] + u.c[1];
    vec2 mv = u.m * vec2(1.0, 2.0);
    o.r[3] = mv.x;
    o.r[4] = mv.y;
    o.r[5] = u.s[1].v.z + u.s[0].f;
    o.r[6] = b.p.y + b.q[2];
    vec3 nv = b.n * vec3(1.0, 1.0, 1.0);
    o.r[7] = nv.x; o.r[8] = nv.y; o.r[9] = nv.z;
    o.r[10] = float(b.w.w);
    o.r[11] = float(b.tail.length());
    o.r[12] = b.tail[pc.k] * pc.scale;
    mat3 t = transpose(b.n);
    o.r[13] = t[0][1];
    vec3 vm = vec3(1.0, 0.0, 0.0) * b.n;
    o.r[14] = vm.y;
    mat2 mm = u.m * u.m;
    o.r[15] = mm[1][0];
    b.q[1] = dot(b.p, vec2(2.0, 3.0));
    b.n[2] = vec3(7.0, 8.0, 9.0);
}
