#version 450
// 16-bit integers (shaderInt16) and 16-bit storage: int16_t/uint16_t read from a storage
// buffer (2-byte stride), a uniform buffer and push constants, wrapping arithmetic, division by
// zero and INT16_MIN / -1 (no trap), shifts, comparisons, widening/narrowing against 32 bits,
// float <-> 16-bit conversions (saturating, NaN gives 0), packUint2x16/unpackInt2x16 bit casts,
// a 16-bit specialization constant and an operation on it, results stored as 16-bit values.
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require
#extension GL_EXT_shader_16bit_storage : require
layout(local_size_x = 1) in;
layout(constant_id = 0) const int16_t SC = 7s;
const int16_t SC2 = SC * 3s;
layout(set = 0, binding = 0, std430) readonly buffer In {
    int16_t a; int16_t b; uint16_t u; uint16_t v; int16_t mn; int16_t m1; int16_t zero; int16_t pad;
    float big; float nan_; float neg;
} i;
layout(set = 0, binding = 1, std140) uniform U { int16_t ua; uint16_t ub; } u;
layout(push_constant) uniform P { uint16_t p0; int16_t p1; } pc;
layout(set = 0, binding = 2, std430) writeonly buffer Out { int16_t s[24]; uint w[10]; } o;
void main() {
    o.s[0] = i.a + i.b;                 // 30000 + 10000 wraps: -25536
    o.s[1] = i.a * i.b;                 // low 16 bits of 3e8
    o.s[2] = i.mn / i.m1;               // INT16_MIN / -1: no trap (unspecified)
    o.s[3] = i.a / i.zero;              // division by zero: no trap
    o.s[4] = i.b / int16_t(-3);         // -3333
    o.s[5] = i.b % int16_t(-3);         // SMod: sign of divisor: -2
    o.s[6] = i.mn >> 3;                 // arithmetic: -4096
    o.s[7] = int16_t(uint16_t(i.mn) >> 3); // logical: 4096
    o.s[8] = int16_t(i.u / i.v);        // 65535 / 256 = 255
    o.s[9] = int16_t(i.u % i.v);        // 255
    o.s[10] = int16_t(i.u << 4);        // 0xFFF0
    o.s[11] = int16_t(i.mn < i.a) + int16_t(i.u > i.v) + int16_t(i.mn > i.m1); // 1 + 1 + 0
    o.s[12] = int16_t(i.big);           // 1e9 -> 32767
    o.s[13] = int16_t(i.nan_);          // 0
    o.s[14] = int16_t(uint16_t(i.neg)); // -7.5 -> 0
    o.s[15] = int16_t(uint16_t(i.big)); // -> 65535 (-1 as int16)
    o.s[16] = SC2;                      // spec 1000: 3000
    o.s[17] = u.ua + int16_t(u.ub);     // -5 + 65535 wraps: -6
    o.s[18] = int16_t(pc.p0) - pc.p1;   // 40000 - (-100): wraps
    o.s[19] = -i.mn;                    // wraps to INT16_MIN
    o.s[20] = ~i.a;
    o.s[21] = abs(i.m1) + max(i.a, i.b) + min(i.mn, i.zero); // 1 + 30000 - 32768
    o.s[22] = int16_t(clamp(i.u, uint16_t(10), uint16_t(20)));  // 20
    o.s[23] = i.pad;
    o.w[0] = uint(int(i.mn));           // sign-extends: 0xFFFF8000
    o.w[1] = uint(i.u);                 // zero-extends: 65535
    o.w[2] = uint(uint16_t(70000u));    // truncates (constant folded): 4464
    o.w[3] = uint(int16_t(int(i.big))); // 1e9 truncated to 16 bits: 0xCA00 -> sign-extended
    o.w[4] = packUint2x16(u16vec2(i.u, i.v));   // 0x0100FFFF
    i16vec2 h = unpackInt2x16(int(0x8000FFFFu ^ uint(i.zero)));
    o.w[5] = uint(int(h.x)) ^ uint(int(h.y));   // -1 ^ -32768 = 0x7FFF
    o.w[6] = floatBitsToUint(float(i.mn));      // -32768.0
    o.w[7] = floatBitsToUint(float(i.u));       // 65535.0
    o.w[8] = uint(int(i.a) * int(i.b));         // 32-bit product: 300000000
    o.w[9] = uint(i.v * i.v);           // 256 * 256 wraps to 0
}
