#version 450
// 16-bit floats (shaderFloat16) with 16-bit storage: float16_t read from and written to a
// storage buffer (2-byte stride); each operation rounded to f16 to nearest even: ties,
// overflow to infinity, denormals (and a tie to zero), signed zeros, correctly rounded
// division and sqrt; conversions f32/f64 <-> f16 (f64 rounded once), f16 <-> integers
// (saturating, NaN gives 0; integer ties to even), bit casts, comparisons with NaN, a f16vec3
// dot product, and a half specialization constant with a float derived from it.
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require
#extension GL_EXT_shader_16bit_storage : require
layout(local_size_x = 1) in;
layout(constant_id = 0) const float16_t SH = 1.5hf;
const float SHF = float(SH);
layout(set = 0, binding = 0, std430) readonly buffer In {
    float16_t one; float16_t half_ulp; float16_t three_half_ulp; float16_t big; float16_t ten_k;
    float16_t min_normal; float16_t min_denorm; float16_t neg_zero; float16_t three; float16_t two;
    float16_t neg; float16_t nan_; float f1; float f2; double d; int i1; int i2; int i3;
} i;
layout(set = 0, binding = 2, std430) writeonly buffer Out { float16_t h[24]; uint w[6]; } o;
void main() {
    o.h[0] = i.one + i.half_ulp;           // tie: 1.0
    o.h[1] = i.one + i.three_half_ulp;     // tie: 1 + 2^-9
    o.h[2] = i.big + i.ten_k;              // 60000 + 10000: inf
    o.h[3] = i.min_normal * 0.5hf;         // 2^-15: denormal
    o.h[4] = i.min_denorm * 0.5hf;         // 2^-25: tie to 0
    o.h[5] = i.neg_zero + i.neg_zero;      // -0
    o.h[6] = i.one / i.three;              // 1/3 rounded once
    o.h[7] = sqrt(i.two);                  // sqrt(2) rounded once
    o.h[8] = float16_t(i.f1);              // 65519: 65504
    o.h[9] = float16_t(i.f2);              // 65520: inf
    o.h[10] = float16_t(i.d);              // 1 + 2^-11 + 2^-40: 1 + 2^-10 (one rounding)
    o.h[11] = float16_t(i.i1);             // 2049: 2048 (tie, even)
    o.h[12] = float16_t(i.i2);             // 2051: 2052
    o.h[13] = float16_t(i.i3);             // 70000: inf
    o.h[14] = dot(f16vec3(i.one, i.two, i.three), f16vec3(i.three, i.two, i.one)); // 10
    o.h[15] = -i.neg_zero;                 // +0
    o.h[16] = i.three * i.three * i.three * i.ten_k; // 27 * 10000: inf
    o.h[17] = SH + i.one;                  // spec 2.25: 3.25
    o.h[18] = uint16BitsToFloat16(uint16_t(0x3555));  // bits in, bits out
    o.h[19] = i.nan_;
    o.h[20] = abs(i.neg) + floor(i.neg);   // 7.75 - 8 = -0.25
    o.h[21] = i.one / i.neg_zero;          // -inf
    o.h[22] = float16_t(float(i.three) / 7.0); // via f32
    o.h[23] = max(i.one, i.two);
    o.w[0] = uint(int(i.neg)) ^ (uint(uint16_t(i.neg)) << 16);   // -7 and 0
    o.w[1] = uint(int(i.nan_)) | uint(i.big < i.nan_) << 8 | uint(i.nan_ != i.nan_) << 9;
    o.w[2] = floatBitsToUint(float(i.min_denorm)); // 2^-24 exactly
    o.w[3] = packFloat2x16(f16vec2(i.one, i.neg)); // 0xC7C03C00
    o.w[4] = floatBitsToUint(SHF);                 // 2.25
    o.w[5] = uint(float16BitsToUint16(i.three));   // 0x4200
}
