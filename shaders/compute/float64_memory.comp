#version 450
// 64-bit floats in memory: std140 uniform and std430 storage layouts (dvec3 aligned to 32
// bytes, a double after a float aligned to 8), a row-major dmat2x3 (MatrixStride 24 and 32),
// double arrays in shared memory across a barrier, a Function array indexed dynamically, and
// subgroup arithmetic on doubles (identities of FMin/FMax/FMul in exclusive scans).
#extension GL_KHR_shader_subgroup_arithmetic : require
layout(local_size_x = 4) in;
layout(set = 0, binding = 0, std140) uniform U {
    float f; double d; dvec3 v; double after; layout(row_major) dmat2x3 m;
} u;
layout(set = 0, binding = 1, std430) buffer S {
    float f; double d; dvec3 v; double after; layout(row_major) dmat2x3 m; double out_[16];
} s;
shared double sh[4];
void main() {
    uint l = gl_LocalInvocationIndex;
    double mine = double(l) + 0.5lf;
    sh[l] = mine * u.d;
    barrier();
    double loc[4] = double[4](u.v.x, u.v.y, u.v.z, u.after);
    if (l == 0u) {
        s.out_[0] = sh[0] + sh[1] + sh[2] + sh[3];
        s.out_[1] = loc[uint(u.f)];                   // dynamic index 2: v.z
        s.out_[2] = u.m[1][2];                        // column 1, row 2
        s.out_[3] = s.m[0][1] + s.m[1][0];
        s.out_[4] = s.v.y + s.after + s.d + double(s.f);
        s.d = u.v.x;                                 // stores at the 8-byte offsets
        s.v = dvec3(u.m[0]);
        s.m = u.m * 2.0lf;
    }
    double sum = subgroupAdd(mine);              // 0.5 + 1.5 + 2.5 + 3.5 = 8
    double mn = subgroupExclusiveMin(mine);      // invocation 0: +inf
    double mx = subgroupExclusiveMax(mine);      // invocation 0: -inf
    double mul = subgroupExclusiveMul(mine);     // invocation 0: 1
    if (l == 0u) {
        s.out_[5] = sum; s.out_[6] = mn; s.out_[7] = mx; s.out_[8] = mul;
    }
}
