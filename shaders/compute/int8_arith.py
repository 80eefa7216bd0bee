#!/usr/bin/env python3
"""CPU reference for int8_arith.comp: prints the slot and `expect 2` lines of int8_arith.test.

8-bit integers wrap modulo 2^8; division by zero and INT8_MIN / -1 use divisor 1 (the
compiler's no-trap value: the quotient is the dividend, the OpSMod remainder 0); OpSMod takes
the sign of the divisor; float -> 8-bit conversions saturate and NaN gives 0; widening sign- or
zero-extends, narrowing keeps the low 8 bits; pack32/unpack8 are low byte first.
"""
import math
import struct

A = [5, -128, 127, -1, 0, 100, -100, 33, -7, 64, 1, -128, 77, -50, 12, 9]
U = [0, 255, 128, 1, 200, 17, 99, 3, 250, 64, 8, 7, 2, 255, 31, 100]
B = [3, -1, 2, 0, -128, 7, -3, 33, 9, -64, 127, 0, -5, 6, 12, -9]
F = [1e9, -1e9, float("nan"), 127.5, -128.9, 255.9, -0.5, 3.7,
     -3.7, 0.0, 300.0, -300.0, 64.25, 200.0, float("inf"), float("-inf")]
UA, UB, P0, P1 = -5, 250, 200, -100


def s8(x):
    x &= 0xFF
    return x - 0x100 if x & 0x80 else x


def u32(x):
    return x & 0xFFFFFFFF


def sdiv(x, y):
    if y == 0 or (x == -128 and y == -1):
        y = 1
    q = abs(x) // abs(y)
    return q if (x < 0) == (y < 0) else -q


def smod(x, y):
    if y == 0 or (x == -128 and y == -1):
        y = 1
    r = x - sdiv(x, y) * y
    if r != 0 and (r < 0) != (y < 0):
        r += y
    return r


def f2s8(f):
    if math.isnan(f):
        return 0
    return max(-128, min(127, int(f))) if math.isfinite(f) else (127 if f > 0 else -128)


def f2u8(f):
    if math.isnan(f):
        return 0
    return max(0, min(255, int(f))) if math.isfinite(f) else (255 if f > 0 else 0)


def find_msb(x):
    if x < 0:
        x = ~x
    return x.bit_length() - 1


def f32bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


s = []
w = []
for i in range(16):
    a, b, v, f = A[i], B[i], U[i], F[i]
    acc = 0
    if a < 0:
        acc = s8(a - 1)
    else:
        for _ in range(b & 7):
            acc = s8(acc + a)
    arr = [a, b, s8(v), i]
    j = 15 - i
    s += [
        s8(a + b), s8(a * b), s8(sdiv(a, b)), s8(smod(a, b)), a >> 2, (a & 0xFF) >> 3,
        s8(v << 3), s8(v // ((b | 1) & 0xFF)),
        int(a < b) + 2 * int(v > (b & 0xFF)) + 4 * int(a == b),
        s8(s8(abs(a)) + max(a, b) - min(a, b)), max(-20, min(20, a)), f2s8(f), s8(f2u8(f)),
        s8(-a ^ ~b), s8(UA + s8(UB) + s8(P0) - P1), acc, s8(A[j] ^ B[j]), arr[v & 3],
        s8(a * 3), s8(a * 1000),
    ]
    qb = [(0x80FF7F01 ^ i) >> (8 * k) & 0xFF for k in range(4)]
    q = [s8(x) for x in qb]
    w += [
        u32(a), v, v | (a & 0xFF) << 8 | (b & 0xFF) << 16 | i << 24,
        u32(q[0] + q[1] * 256 + q[2] * 65536) ^ u32(q[3]),
        f32bits(a * 0.5 + v), u32(a + v), u32(find_msb(a)) + bin(v).count("1") * 256 & 0xFFFFFFFF,
        int(s8((a & 0xFF) + v) < 0),
    ]
# find_msb(-1) is -1: 0xFFFFFFFF + bitCount * 256 wraps.
w = [x & 0xFFFFFFFF for x in w]
print("slot 0 buffer i8 " + " ".join(map(str, A)) + " u8 " + " ".join(map(str, U))
      + " i8 " + " ".join(map(str, B)) + " f32 " + " ".join(repr(x) for x in F))
print("expect 2 i8 " + " ".join(map(str, s)) + " u32 " + " ".join(hex(x) for x in w))
