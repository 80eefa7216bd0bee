#version 450
// Integer and float arithmetic, shifts, bitwise ops, conversions, comparisons.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) readonly buffer In { int a; int b; uint ua; uint ub; float x; float y; } i;
layout(set = 0, binding = 1) writeonly buffer Out { int r[]; } o;
void main() {
    int a = i.a, b = i.b; uint ua = i.ua, ub = i.ub; float x = i.x, y = i.y;
    o.r[0] = a + b;
    o.r[1] = a - b;
    o.r[2] = a * b;
    o.r[3] = a / b;
    o.r[4] = a % b;
    o.r[5] = int(ua / ub);
    o.r[6] = int(ua % ub);
    o.r[7] = int(ua >> ub);
    o.r[8] = a >> 1;
    o.r[9] = a << 2;
    o.r[10] = int(ua & 0xFFu);
    o.r[11] = int(ua | 0x10u);
    o.r[12] = int(ua ^ ub);
    o.r[13] = ~a;
    o.r[14] = -a;
    o.r[15] = floatBitsToInt(x + y);
    o.r[16] = floatBitsToInt(x - y);
    o.r[17] = floatBitsToInt(x * y);
    o.r[18] = floatBitsToInt(x / y);
    o.r[19] = floatBitsToInt(mod(x, y));
    o.r[20] = int(y);
    o.r[21] = int(x);
    o.r[22] = int(uint(x));
    o.r[23] = floatBitsToInt(float(a));
    o.r[24] = floatBitsToInt(float(ua));
    o.r[25] = int(a < b);
    o.r[26] = int(ua < ub);
    o.r[27] = int(x > y);
    o.r[28] = int(x == y);
    o.r[29] = int(a >= -7) + 2 * int(ua != ub) + 4 * int(x <= y) + 8 * int(!(x < y));
    o.r[30] = floatBitsToInt(-x);
    o.r[31] = int(uint(a) >> 28);
}
