#!/usr/bin/env python3
"""CPU reference for wgsl_control.wgsl: prints the `expect 0` line of wgsl_control.test.

WGSL semantics: i32 arithmetic wraps; division truncates toward zero and `%` takes the sign of
the dividend; division by zero gives the dividend (WGSL's rule for a non-constant divisor of
0: `e1 / 0` is `e1`) and `%` by zero gives 0; the loop runs lid & 7 times or stops after the
first iteration leaving acc > 5000; f32 products and sums are exact here.
"""
import struct


def i32(x):
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x >> 31 else x


def tdiv(a, b):
    if b == 0:
        return a
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def trem(a, b):
    return 0 if b == 0 else a - tdiv(a, b) * b


def fbits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


r = []
for lid in range(64):
    x = lid - 20
    k = lid % 5
    s = x * 7 if k == 0 else -x if k in (1, 2) else tdiv(x, 3) if k == 3 else 100 - x
    acc, n, calls = 1, 0, 0
    while n < (lid & 7):
        acc = i32(acc * 3 + x)
        calls += 1
        n += 1
        if acc > 5000:
            break
    vx = 1.0 * x + -3.0 * 2.0
    vy = 2.0 * x + 0.5 * 2.0
    r += [s, acc, calls, fbits(vx), fbits(vy), trem(x, 6),
          max(-5, min(9, x)) + max(x, 0) - min(abs(x), 4), tdiv(lid, lid % 4 - 1)]
print("expect 0 u32 " + " ".join(hex(v & 0xFFFFFFFF) for v in r))
