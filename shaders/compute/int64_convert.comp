#version 450
// Conversions with 64-bit integers at the extremes: f32 -> int64/uint64 saturate (NaN gives 0,
// the 32-bit rule), int64/uint64 -> f32 round to nearest even, 32 <-> 64-bit integer widening
// (sign or zero) and narrowing, and the 64-bit <-> uvec2/ivec2 bitcasts (packUint2x32 ...).
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) readonly buffer In {
    float big; float nbig; float nan_; float neg; float two63; float inf; float two64; float f15;
    int64_t imax; int64_t m1; uint64_t umax; uint64_t tie; int ineg; uint ubig; int64_t wide;
} i;
layout(set = 0, binding = 1) writeonly buffer Out { uint64_t r[]; } o;
void main() {
    o.r[0] = uint64_t(int64_t(i.big));
    o.r[1] = uint64_t(int64_t(i.nbig));
    o.r[2] = uint64_t(int64_t(i.nan_));
    o.r[3] = uint64_t(int64_t(i.neg));
    o.r[4] = uint64_t(int64_t(i.two63));
    o.r[5] = uint64_t(int64_t(i.inf));
    o.r[6] = uint64_t(i.neg);
    o.r[7] = uint64_t(i.two64);
    o.r[8] = uint64_t(i.nan_);
    o.r[9] = uint64_t(i.f15);
    o.r[10] = uint64_t(floatBitsToUint(float(i.imax)));
    o.r[11] = uint64_t(floatBitsToUint(float(i.m1)));
    o.r[12] = uint64_t(floatBitsToUint(float(i.umax)));
    o.r[13] = uint64_t(floatBitsToUint(float(i.tie)));
    o.r[14] = uint64_t(int64_t(i.ineg));      // sign-extends
    o.r[15] = uint64_t(i.ubig);               // zero-extends
    o.r[16] = uint64_t(int64_t(uint(i.ineg)));
    o.r[17] = uint64_t(uint(i.wide));         // truncates
    o.r[18] = uint64_t(int(i.wide));
    uvec2 h = unpackUint2x32(i.umax - 1ul);
    o.r[19] = uint64_t(h.x) << 8 | uint64_t(h.y & 0xffu);
    ivec2 s = unpackInt2x32(i.wide);
    o.r[20] = packUint2x32(uvec2(s.y, s.x));
    o.r[21] = uint64_t(packInt2x32(ivec2(-1, 7)));
}
