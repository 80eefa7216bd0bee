#version 450
// Conversions with 64-bit floats at the extremes: f32 <-> f64 (exact widening of a denormal,
// narrowing with ties to even, overflow to infinity, NaN kept), f64 -> 32/64-bit integers
// (truncating, saturating, NaN gives 0), 32/64-bit integers -> f64 (ties to even), the bit
// casts (doubleBitsToUint64, uint64BitsToDouble, packDouble2x32, unpackDouble2x32), and a
// double specialization constant with a float derived from it (OpSpecConstantOp FConvert).
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
layout(local_size_x = 1) in;
layout(constant_id = 0) const double SC = 1.5;
const float SF = float(SC);
layout(set = 0, binding = 0, std430) readonly buffer In {
    float fden; float fnan; double tie; double tie_up; double huge; double dnan;
    double big; double nbig; double neg; double e19; double ne19; double e20; double d2_64m;
    int ineg; uint umax; int64_t odd; uint64_t u64max; int64_t i64min;
} i;
layout(set = 0, binding = 1, std430) writeonly buffer Out { uint64_t r[]; } o;
void main() {
    o.r[0] = doubleBitsToUint64(double(i.fden));          // f32 denormal -> exact f64
    o.r[1] = uint64_t(floatBitsToUint(float(i.tie)));     // 1 + 2^-24 -> 1.0
    o.r[2] = uint64_t(floatBitsToUint(float(i.tie_up)));  // 1 + 3*2^-24 -> 1 + 2^-22
    o.r[3] = uint64_t(floatBitsToUint(float(i.huge)));    // 1e300 -> inf
    o.r[4] = uint64_t(isnan(float(i.dnan)) && isnan(double(i.fnan)));
    o.r[5] = uint64_t(uint(int(i.big)));                   // 3e9 -> INT_MAX
    o.r[6] = uint64_t(uint(int(i.nbig)));                  // -3e9 -> INT_MIN
    o.r[7] = uint64_t(uint(int(i.dnan)));                  // NaN -> 0
    o.r[8] = uint64_t(uint(int(i.neg)));                   // -1.5 -> -1
    o.r[9] = uint64_t(uint(i.neg));                        // -1.5 -> 0
    o.r[10] = uint64_t(uint(i.e19));                       // 1e19 -> UINT_MAX
    o.r[11] = uint64_t(int64_t(i.e19));                    // -> INT64_MAX
    o.r[12] = uint64_t(int64_t(i.ne19));                   // -> INT64_MIN
    o.r[13] = uint64_t(i.e20);                             // -> UINT64_MAX
    o.r[14] = uint64_t(i.d2_64m);                          // 2^64 - 2048 exactly
    o.r[15] = uint64_t(i.dnan);                            // NaN -> 0
    o.r[16] = doubleBitsToUint64(double(i.ineg));          // -5.0
    o.r[17] = doubleBitsToUint64(double(i.umax));          // 4294967295.0 exactly
    o.r[18] = doubleBitsToUint64(double(i.odd));           // 2^53 + 1 -> 2^53 (even)
    o.r[19] = doubleBitsToUint64(double(i.u64max));        // -> 2^64
    o.r[20] = doubleBitsToUint64(double(i.i64min));        // -2^63 exactly
    o.r[21] = doubleBitsToUint64(uint64BitsToDouble(i.u64max - 1ul)); // NaN bits kept by bitcasts
    uvec2 w = unpackDouble2x32(i.tie);
    o.r[22] = uint64_t(w.x) | uint64_t(w.y) << 32;
    o.r[23] = doubleBitsToUint64(packDouble2x32(uvec2(0u, 0x40090000u)) + SC); // 3.125 + SC
    o.r[24] = uint64_t(floatBitsToUint(SF));
    o.r[25] = doubleBitsToUint64(uint64BitsToDouble(0x7FF0000000000001ul)) ; // signalling NaN bits through a bitcast
}
