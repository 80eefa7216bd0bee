#version 450
// GLSL.std.450 on 64-bit floats (the instructions the extended set allows on doubles): rounding
// (halfway cases), fract, abs/sign of signed zeros, sqrt/inversesqrt, min/max/clamp, mix, step,
// smoothstep, a fused fma (its exact low part), frexp of a denormal, modf, length, distance,
// cross, normalize, faceforward, reflect.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0, std430) readonly buffer In {
    double a; double b; double c; double nz; double two; double four; double t; double tiny;
    double three; double p30; double nan_;
} i;
layout(set = 0, binding = 1, std430) writeonly buffer Out { double r[36]; int e[2]; } o;
void main() {
    o.r[0] = round(i.a);          // round(2.5): 2 or 3 (implementation's choice), here even: 2
    o.r[1] = roundEven(i.b);      // roundEven(-2.5) = -2
    o.r[2] = trunc(i.b);          // -2
    o.r[3] = floor(i.b);          // -3
    o.r[4] = ceil(i.b);           // -2
    o.r[5] = fract(i.c);          // fract(-1.25) = 0.75
    o.r[6] = abs(i.nz);           // +0
    o.r[7] = sign(i.b);           // -1
    o.r[8] = sign(i.nz);          // -0 (the operand itself)
    o.r[9] = sqrt(i.two);         // correctly rounded
    o.r[10] = inversesqrt(i.four); // 0.5
    o.r[11] = min(i.a, i.b);
    o.r[12] = max(i.a, i.b);
    o.r[13] = clamp(i.four, i.b, i.a); // 2.5
    o.r[14] = mix(i.two, i.four, i.t);  // 2 * (1 - 0.25) + 4 * 0.25 = 2.5
    o.r[15] = step(i.two, i.a);   // 1
    o.r[16] = step(i.four, i.a);  // 0
    o.r[17] = smoothstep(i.two, i.four, i.three); // t = 0.5: 0.5
    double p = i.p30 * i.p30;     // (1 + 2^-30)^2 rounded: 1 + 2^-29
    o.r[18] = fma(i.p30, i.p30, -p); // exactly 2^-60
    int ex;
    o.r[19] = frexp(i.tiny, ex);  // 2^-1074 = 0.5 * 2^-1073
    o.e[0] = ex;
    int ex2;
    o.r[20] = frexp(i.c, ex2);    // -1.25 = -0.625 * 2^1
    o.e[1] = ex2;
    double whole;
    o.r[21] = modf(i.b, whole);   // -0.5
    o.r[22] = whole;              // -2
    o.r[23] = length(dvec2(i.three, i.four)); // 5
    o.r[24] = distance(dvec3(i.three, i.four, i.two), dvec3(0.0lf, 0.0lf, i.two)); // 5
    dvec3 cr = cross(dvec3(i.two, 0.0lf, 0.0lf), dvec3(0.0lf, i.three, 0.0lf)); // (0, 0, 6)
    o.r[25] = cr.x; o.r[26] = cr.y; o.r[27] = cr.z;
    dvec2 n = normalize(dvec2(i.three, i.four)); // (0.6, 0.8)
    o.r[28] = n.x; o.r[29] = n.y;
    dvec2 ff = faceforward(dvec2(i.two, i.three), dvec2(i.a, 0.0lf), dvec2(i.a, 0.0lf)); // dot > 0: -N
    o.r[30] = ff.x; o.r[31] = ff.y;
    dvec2 rf = reflect(dvec2(i.two, -i.three), dvec2(0.0lf, 1.0lf)); // (2, 3)
    o.r[32] = rf.x; o.r[33] = rf.y;
    o.r[34] = sqrt(-i.two) == sqrt(-i.two) ? 1.0lf : 0.0lf; // NaN: 0
    o.r[35] = max(i.nz, i.nz); // -0
}
