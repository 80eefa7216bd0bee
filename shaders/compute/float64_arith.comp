#version 450
// 64-bit float arithmetic (shaderFloat64) on values read from a buffer, so nothing is folded
// by glslang: rounding ties, denormals, signed zeros, infinities and NaN, FMod, comparisons
// (ordered and unordered), isnan/isinf, select, dot, and dmat/dvec products.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0, std430) readonly buffer In {
    double one; double half_ulp; double three_half_ulp; double min_normal; double neg_zero;
    double inf; double three; double nan_; double x; double y; double m;
    double tiny; // 2^-1074
} i;
layout(set = 0, binding = 1, std430) writeonly buffer Out {
    double r[20];
    uint c[12];
} o;
void main() {
    o.r[0] = i.one + i.half_ulp;              // tie: 1.0 (even)
    o.r[1] = i.one + i.three_half_ulp;        // tie: 1 + 2^-51 (even)
    o.r[2] = i.min_normal * 0.5lf * i.one;    // 2^-1023: denormal kept
    o.r[3] = i.neg_zero + i.neg_zero;         // -0
    o.r[4] = i.one / i.three;                 // 1/3 rounded to nearest
    o.r[5] = i.x * i.y;                       // 0.1 * 0.2
    o.r[6] = mod(i.m, i.y + 1.8lf);           // FMod(-7.5, 2.0) = 0.5
    o.r[7] = -i.neg_zero;                     // +0
    o.r[8] = i.one / i.inf;                   // +0
    o.r[9] = i.one / (i.neg_zero * i.one);    // -inf
    o.r[10] = dot(dvec3(i.x, i.y, i.three), dvec3(i.three, i.one, i.x));
    dmat2 mt = dmat2(i.one, i.three, i.x, i.y); // columns (1, 3), (0.1, 0.2)
    dvec2 mv = mt * dvec2(i.three, i.m);      // MatrixTimesVector
    o.r[11] = mv.x; o.r[12] = mv.y;
    dvec2 vm = dvec2(i.three, i.m) * mt;      // VectorTimesMatrix
    o.r[13] = vm.x; o.r[14] = vm.y;
    dmat2 mm = mt * mt;                       // MatrixTimesMatrix
    o.r[15] = mm[1][0];
    dvec2 vs = dvec2(i.x, i.y) * i.three;     // VectorTimesScalar
    o.r[16] = vs.y;
    o.r[17] = i.tiny + i.tiny;                // 2^-1073
    o.r[18] = i.inf - i.inf > 0.0lf ? 1.0lf : 2.0lf; // NaN > 0 is false: 2
    o.r[19] = i.x - i.y;
    o.c[0] = uint(i.nan_ < i.one);            // ordered: 0
    o.c[1] = uint(i.nan_ != i.nan_);          // unordered not-equal: 1
    o.c[2] = uint(i.nan_ == i.nan_);          // 0
    o.c[3] = uint(isnan(i.inf - i.inf));      // 1
    o.c[4] = uint(isinf(-i.inf));             // 1
    o.c[5] = uint(isinf(i.three));            // 0
    o.c[6] = uint(i.neg_zero == 0.0lf);       // -0 == +0: 1
    o.c[7] = uint(i.x + i.y == 0.3lf);        // 0.1 + 0.2 != 0.3: 0
    o.c[8] = uint(i.tiny > 0.0lf);            // 1
    o.c[9] = uint(i.three >= i.three);        // 1
    o.c[10] = uint(i.m <= i.nan_);            // 0
    o.c[11] = uint(all(lessThan(dvec2(i.one, i.x), dvec2(i.three, i.y)))); // 1
}
