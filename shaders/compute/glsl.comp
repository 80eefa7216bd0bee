#version 450
// GLSL.std.450 and bit instructions, with inputs whose results are exact.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) readonly buffer In { float x; float y; int a; uint u; } i;
layout(set = 0, binding = 1) writeonly buffer Out { float f[40]; int n[40]; } o;
void main() {
    float x = i.x;   // 2.5
    float y = i.y;   // -1.5
    int a = i.a;     // -12
    uint u = i.u;    // 0x00F0F000
    o.f[0] = round(x);        // 2 (half to even)
    o.f[1] = roundEven(3.5 + x - 2.5);
    o.f[2] = trunc(y);
    o.f[3] = abs(y);
    o.f[4] = sign(y);
    o.f[5] = floor(y);
    o.f[6] = ceil(y);
    o.f[7] = fract(y);
    o.f[8] = sqrt(x * 6.4);   // sqrt(16)
    o.f[9] = inversesqrt(x + 1.5);
    o.f[10] = sin(x - 2.5) + cos(x - 2.5);
    o.f[11] = exp(x - 2.5) + log(x - 1.5);
    o.f[12] = exp2(x + 0.5) + log2(x * 3.2);
    o.f[13] = pow(x - 0.5, 10.0);
    o.f[14] = min(x, y) + max(x, y) * 10.0;
    o.f[15] = clamp(x * 4.0, 0.0, 7.0);
    o.f[16] = mix(x, y, 0.25);
    o.f[17] = step(x, y) + step(y, x) * 2.0;
    o.f[18] = smoothstep(0.0, x * 2.0, x);
    o.f[19] = fma(x, y, 1.0);
    o.f[20] = length(vec2(x + 0.5, 4.0));
    o.f[21] = distance(vec3(x, 0.0, 0.0), vec3(y, 3.0, 0.0));
    vec3 c = cross(vec3(1.0, 0.0, 0.0), vec3(0.0, x, 0.0));
    o.f[22] = c.z;
    o.f[23] = normalize(vec2(0.0, y)).y;
    o.f[24] = atan(x - 2.5, 1.0);
    o.f[25] = mod(-x, 2.0);
    o.f[26] = dot(vec3(x, y, 1.0), vec3(2.0, 2.0, 2.0));
    o.f[27] = float(isnan(sqrt(y))) + float(isinf(x / 0.0)) * 2.0;
    o.f[28] = unpackHalf2x16(packHalf2x16(vec2(x, y))).y;
    o.f[29] = unpackUnorm4x8(packUnorm4x8(vec4(0.0, 1.0, 0.5, 0.25))).w;
    o.f[30] = reflect(vec2(1.0, -1.0), vec2(0.0, 1.0)).y;
    o.n[0] = abs(a);
    o.n[1] = sign(a);
    o.n[2] = min(a, 3) + max(a, 3) * 100;
    o.n[3] = int(min(u, 5u));
    o.n[4] = clamp(a, -5, 5);
    o.n[5] = findLSB(u);
    o.n[6] = findMSB(u);
    o.n[7] = findMSB(a);
    o.n[8] = findLSB(0);
    o.n[9] = bitCount(u);
    o.n[10] = int(bitfieldReverse(u));
    o.n[11] = int(bitfieldExtract(u, 12, 8));
    o.n[12] = bitfieldExtract(a, 2, 3);
    o.n[13] = int(bitfieldInsert(u, 0xFu, 0, 4));
    uint carry; uint sum = uaddCarry(u, 0xFFFFFFFFu, carry);
    o.n[14] = int(sum); o.n[15] = int(carry);
    uint hi, lo; umulExtended(u, 0x100u, hi, lo);
    o.n[16] = int(hi); o.n[17] = int(lo);
    int shi, slo; imulExtended(a, 0x40000000, shi, slo);
    o.n[18] = shi; o.n[19] = slo;
    o.n[20] = int(packSnorm4x8(vec4(-1.0, 1.0, 0.0, 0.5)));
    o.n[21] = int(packUnorm2x16(vec2(1.0, 0.5)));
    o.n[22] = int(packHalf2x16(vec2(1.0, -2.0)));
    uint borrow; uint diff = usubBorrow(3u, u, borrow);
    o.n[23] = int(borrow);
    o.n[24] = int(bitfieldExtract(u, 0, 32) == u);
}
