#version 450
// 8-bit integers (shaderInt8) and 8-bit storage (storageBuffer8BitAccess,
// uniformAndStorageBuffer8BitAccess, storagePushConstant8): sixteen invocations (four
// subgroups), each on its own int8_t/uint8_t values read from a storage buffer (1-byte
// stride), plus values from a uniform buffer and push constants. Wrapping arithmetic, division
// by zero and INT8_MIN / -1 (no trap), shifts, comparisons, min/max/abs/clamp, widening and
// narrowing against 16 and 32 bits, float <-> 8-bit conversions (saturating, NaN gives 0),
// u8vec4 <-> uint bit casts, divergent branches and a loop on 8-bit values, 8-bit shared memory
// and a dynamically indexed 8-bit function array. Expected values: int8_arith.py.
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require
#extension GL_EXT_shader_8bit_storage : require
layout(local_size_x = 16) in;
layout(set = 0, binding = 0, std430) readonly buffer In {
    int8_t a[16]; uint8_t u[16]; int8_t b[16]; float f[16];
} i;
layout(set = 0, binding = 1, std140) uniform U { int8_t ua; uint8_t ub; } u;
layout(push_constant) uniform P { uint8_t p0; int8_t p1; } pc;
layout(set = 0, binding = 2, std430) writeonly buffer Out { int8_t s[16 * 20]; uint w[16 * 8]; } o;
shared int8_t sh[16];

int8_t pick(int8_t x[4], uint k) { return x[k & 3u]; }

void main() {
    uint id = gl_LocalInvocationIndex;
    int8_t a = i.a[id];
    int8_t b = i.b[id];
    uint8_t v = i.u[id];
    float f = i.f[id];
    uint so = id * 20u;
    o.s[so + 0] = a + b;
    o.s[so + 1] = a * b;
    o.s[so + 2] = a / b;                   // b may be 0 or -1 with a = -128: no trap
    o.s[so + 3] = a % b;                   // OpSMod
    o.s[so + 4] = a >> 2;
    o.s[so + 5] = int8_t(uint8_t(a) >> 3);
    o.s[so + 6] = int8_t(v << 3);
    o.s[so + 7] = int8_t(v / uint8_t(b | int8_t(1)));
    o.s[so + 8] = int8_t(a < b) + int8_t(v > uint8_t(b)) * int8_t(2) + int8_t(a == b) * int8_t(4);
    o.s[so + 9] = abs(a) + max(a, b) - min(a, b);
    o.s[so + 10] = clamp(a, int8_t(-20), int8_t(20));
    o.s[so + 11] = int8_t(f);              // saturates to [-128, 127], NaN -> 0
    o.s[so + 12] = int8_t(uint8_t(f));     // saturates to [0, 255]
    o.s[so + 13] = -a ^ ~b;
    o.s[so + 14] = u.ua + int8_t(u.ub) + int8_t(pc.p0) - pc.p1;
    int8_t acc = int8_t(0);
    if (a < int8_t(0)) {
        acc = a - int8_t(1);
    } else {
        for (int8_t k = int8_t(0); k < (b & int8_t(7)); k++) {
            acc += a;
        }
    }
    o.s[so + 15] = acc;
    sh[id] = a ^ b;
    barrier();
    o.s[so + 16] = sh[15u - id];
    int8_t arr[4] = int8_t[4](a, b, int8_t(v), int8_t(id));
    o.s[so + 17] = pick(arr, uint(v));
    o.s[so + 18] = int8_t(int16_t(a) * int16_t(3));   // narrowing from 16 bits
    o.s[so + 19] = int8_t(int(a) * 1000);             // narrowing from 32 bits
    uint wo = id * 8u;
    o.w[wo + 0] = uint(int(a));            // sign-extends
    o.w[wo + 1] = uint(v);                 // zero-extends
    o.w[wo + 2] = pack32(u8vec4(v, uint8_t(a), uint8_t(b), uint8_t(id)));
    i8vec4 q = unpack8(int(0x80FF7F01u ^ uint(id)));
    o.w[wo + 3] = uint(int(q.x) + int(q.y) * 256 + int(q.z) * 65536) ^ uint(int(q.w));
    o.w[wo + 4] = floatBitsToUint(float(a) * 0.5 + float(v));
    o.w[wo + 5] = uint(int16_t(a) + int16_t(v));
    o.w[wo + 6] = uint(findMSB(int(a))) + uint(bitCount(uint(v))) * 256u;
    o.w[wo + 7] = uint(int8_t(uint8_t(a) + v) < int8_t(0));
}
