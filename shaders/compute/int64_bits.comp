#version 450
// 64-bit bit operations: findLSB (a 32-bit result of a 64-bit value, as glslang emits it:
// FindILsb at 64 bits then OpSConvert; spirv-val limits FindUMsb/FindSMsb to 32 bits, so
// findMSB is not used on 64-bit values), shifts by 63 and
// by 64 or more, vectors of 64-bit integers, dynamic component access, swizzles. (Vulkan
// allows OpBitCount/OpBitReverse/OpBitField* on 32-bit Base only, VUID-StandaloneSpirv-Base-
// 04781; glslang has no 64-bit carry or extended-multiply functions: those are in
// int64_ext.spvasm.)
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) readonly buffer In { uint64_t x; uint64_t y; int64_t n; uint k; uint s64; uint s70; } i;
layout(set = 0, binding = 1) writeonly buffer Out { uint64_t r[]; } o;
void main() {
    uint64_t x = i.x, y = i.y;
    int64_t n = i.n;
    o.r[0] = uint64_t(bitCount(uvec2(x)));  // 32-bit counts of the two halves
    o.r[1] = uint64_t(bitCount(uint(n)));
    o.r[2] = uint64_t(findLSB(x));
    o.r[3] = uint64_t(findLSB(n));
    o.r[4] = uint64_t(findLSB(x >> 4u));
    o.r[5] = uint64_t(findLSB(x - x));
    o.r[6] = uint64_t(findLSB(1ul << 63u));
    o.r[7] = y << 63u;
    o.r[8] = uint64_t(n >> 63u);
    o.r[9] = x << i.s64;          // shift by 64: masked to 0 (SPIR-V leaves it undefined)
    o.r[10] = x >> i.s70;         // shift by 70: masked to 6
    u64vec2 v = u64vec2(x, y) ^ u64vec2(y, x);
    o.r[11] = v.x | v.y << 1;
    u64vec4 w = u64vec4(x, y, 3ul, 4ul);
    w = w.wzyx + u64vec4(1ul);
    o.r[12] = w[i.k];
    o.r[13] = w.x * w.y;
    w[i.k] = 99ul;
    o.r[14] = w.z;
}
