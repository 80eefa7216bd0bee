#version 450
// 64-bit integer arithmetic (shaderInt64) at the edges: wrapping, INT64_MIN / -1, division
// by zero (no trap: the dividend for quotients, 0 for remainders, as for 32-bit), shifts,
// comparisons, select, min/max/clamp/abs/sign, a loop phi and a function returning int64_t.
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) readonly buffer In {
    int64_t a; int64_t b; uint64_t ua; uint64_t ub; int64_t mn; int64_t m1; int64_t zero;
    uint s; uint s63;
} i;
layout(set = 0, binding = 1) writeonly buffer Out { int64_t r[]; } o;

int64_t twice_plus(int64_t x, uint64_t y) { return x * 2l + int64_t(y); }

void main() {
    int64_t a = i.a, b = i.b, mn = i.mn, m1 = i.m1, z = i.zero;
    uint64_t ua = i.ua, ub = i.ub;
    o.r[0] = a + b;
    o.r[1] = a - b;
    o.r[2] = a * b;
    o.r[3] = a / b;
    o.r[4] = a % b;
    o.r[5] = int64_t(ua / ub);
    o.r[6] = int64_t(ua % ub);
    o.r[7] = mn / m1;               // INT64_MIN / -1: no trap
    o.r[8] = mn % m1;
    o.r[9] = a / z;                 // division by zero: no trap
    o.r[10] = int64_t(ua / uint64_t(z));
    o.r[11] = int64_t(ua % uint64_t(z));
    o.r[12] = mn - 1l;              // wraps to INT64_MAX
    o.r[13] = -mn;                  // wraps to INT64_MIN
    o.r[14] = int64_t(ua + ua);     // unsigned wrap
    o.r[15] = a >> i.s63;           // arithmetic
    o.r[16] = int64_t(ua >> i.s63); // logical
    o.r[17] = int64_t(ua << i.s);
    o.r[18] = a >> i.s;
    o.r[19] = int64_t(ua >> uint64_t(i.s));
    o.r[20] = ~a;
    o.r[21] = a & b;
    o.r[22] = a | b;
    o.r[23] = a ^ b;
    o.r[24] = int64_t(a < b) | int64_t(ua < ub) << 1 | int64_t(a >= mn) << 2
            | int64_t(ua > ub) << 3 | int64_t(a == a) << 4 | int64_t(a != b) << 5
            | int64_t(ua <= ub) << 6 | int64_t(mn > a) << 7;
    o.r[25] = a < b ? a : b;
    o.r[26] = min(a, b);
    o.r[27] = max(a, b);
    o.r[28] = int64_t(min(ua, ub));
    o.r[29] = int64_t(max(ua, ub));
    o.r[30] = clamp(a, -10l, 10l);
    o.r[31] = int64_t(clamp(ua, 5ul, 7ul));
    o.r[32] = abs(a);
    o.r[33] = abs(mn);
    o.r[34] = sign(a) + sign(z) * 10l + sign(b) * 100l;
    int64_t acc = 1l;
    for (uint k = 0u; k < 40u; ++k) { acc = acc * 3l + int64_t(k); }
    o.r[35] = acc;
    o.r[36] = twice_plus(a, ub);
    i64vec3 v = i64vec3(a, b, mn) + i64vec3(1l);
    o.r[37] = v.x + v.y * 3l;
    o.r[38] = v.z;
    o.r[39] = int64_t(i.s << (ua & 7ul));   // a 32-bit value shifted by a 64-bit amount
}
