#!/usr/bin/env python3
"""CPU reference for subgroup_types.comp: prints the `expect 0` line of subgroup_types.test.

Same model as subgroup_ops.py (subgroups of 4; lanes past the workgroup's end inactive and
holding the first lane's ids; inactive lanes contribute the identity, -0.0 for float add;
folds left in lane order; shuffles and broadcasts read lane j mod 4). 16-bit integers wrap
modulo 2^16; half arithmetic is done in f32 and rounded to f16 (nearest even) after each
step; doubles are f64; vectors component by component.
"""
import math
import struct

N = 6
A = [300, -5, 32767, 2, -32768, 9]
H = [1.5, -0.25, 3.0, 0.125, 2.0, -1.0]
D = [0.1, 2.5, float("nan"), 1e300, 7.25, -0.5]
V = [(1, 2, 3, 4), (10, 20, 30, 4), (-1, -2, -3, 4), (5, 5, 5, 4), (7, 8, 9, 6), (0, 1, 0, 6)]


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def f16(x):
    return struct.unpack("<e", struct.pack("<e", f32(x)))[0]


def s16(x):
    x &= 0xFFFF
    return x - 0x10000 if x & 0x8000 else x


def s32(x):
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x >> 31 else x


def nmin(a, b):
    return b if math.isnan(a) else a if math.isnan(b) else min(a, b)


def nmax(a, b):
    return b if math.isnan(a) else a if math.isnan(b) else max(a, b)


def fold(f, ident, xs, act):
    xs = [x if a else ident for x, a in zip(xs, act)]
    out = []
    for l, x in enumerate(xs):
        out.append(x if l == 0 else f(out[-1], x))
    return out


def excl(f, ident, xs, act):
    return [ident] + fold(f, ident, xs, act)[:3]


def h16(x):
    return struct.unpack("<H", struct.pack("<e", x))[0]


def d2(x):
    q = struct.unpack("<Q", struct.pack("<d", x))[0]
    return [q & 0xFFFFFFFF, q >> 32]


INF = float("inf")
r = [0] * (N * 16)
for sg in range(2):
    ids = [sg * 4 + l for l in range(4)]
    act = [i < N for i in ids]
    src = [i if i < N else sg * 4 for i in ids]
    a = [A[i] for i in src]
    h = [H[i] for i in src]
    d = [D[i] for i in src]
    v = [V[i] for i in src]
    fl = act.index(True)
    add16 = fold(lambda x, y: s16(x + y), 0, a, act)[3]
    min16 = fold(min, 32767, a, act)
    max16 = excl(max, -32768, a, act)
    hadd = fold(lambda x, y: f16(x + y), -0.0, h, act)[3]
    hmul = fold(lambda x, y: f16(x * y), 1.0, h, act)
    hmin = excl(nmin, INF, h, act)
    dadd = fold(lambda x, y: x + y, -0.0, d, act)[3]
    dmax = fold(nmax, -INF, d, act)
    vex = [excl(lambda x, y: s32(x + y), 0, [w[c] for w in v], act) for c in range(3)]
    eq_a = all(a[l] == a[fl] for l in range(4) if act[l])
    eq_w = all(v[l][3] == v[fl][3] for l in range(4) if act[l])
    for l, i in enumerate(ids):
        if not act[l]:
            continue
        r[i * 16:i * 16 + 16] = [
            add16 & 0xFFFF, min16[l] & 0xFFFF, max16[l] & 0xFFFF, a[l ^ 1] & 0xFFFF,
            h16(hadd), h16(hmul[l]), h16(hmin[l]), *d2(dadd), *d2(dmax[l]),
            vex[0][l] & 0xFFFFFFFF, vex[1][l] & 0xFFFFFFFF, vex[2][l] & 0xFFFFFFFF,
            v[2][3] & 0xFFFFFFFF, int(eq_a) + 2 * int(eq_w),
        ]
# std430: a at 0, h at 12, d at 24, 8 bytes of padding, v at 80, r at 176.
data = ("i16 " + " ".join(str(x) for x in A) + " u16 " + " ".join(hex(h16(x)) for x in H)
        + " f64 " + " ".join(repr(x) for x in D) + " zero:8 i32 "
        + " ".join(str(c) for w in V for c in w))
print("slot 0 buffer " + data + " zero:%d" % (4 * len(r)))
print("expect 0 " + data + " u32 " + " ".join(hex(x) for x in r))
