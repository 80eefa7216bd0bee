#!/usr/bin/env python3
"""CPU reference for subgroup_ops.comp: prints the `expect 1` line of subgroup_ops.test.

The model (softvk's subgroups, lower/simd_subgroup.rs): a subgroup is 4 consecutive local
invocation indices; lanes past the workgroup's end do not exist (inactive) and hold the ids of
their subgroup's first lane. Only active lanes take part: inactive lanes' values are replaced by
the operation's identity (-0.0 for float add) and the 4 lanes (of a cluster) are folded left
in lane order; exclusive scans give the inclusive value of the lane before (the identity for
lane 0). Shuffles and broadcasts read lane `j mod 4` whatever its state. Float min/max ignore a
NaN operand; f32 arithmetic is rounded after each step.
"""
import math
import struct

N, W = 6, 160
X = [5, -3, 0, 7, 2, -8]
F = [1.5, -2.0, 0.0, 3.25, 0.5, -0.75]
U = [3, 4, 0xFFFFFFFF, 8, 5, 2]


def f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def fbits(v):
    return struct.unpack("<I", struct.pack("<f", v))[0]


def s32(v):
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def nmin(a, b):
    if math.isnan(a):
        return b
    if math.isnan(b):
        return a
    return min(a, b)


def nmax(a, b):
    if math.isnan(a):
        return b
    if math.isnan(b):
        return a
    return max(a, b)


INF = float("inf")
OPS = {
    "iadd": (lambda a, b: s32(a + b), 0),
    "imul": (lambda a, b: s32(a * b), 1),
    "smin": (min, 0x7FFFFFFF),
    "smax": (max, -0x80000000),
    "and": (lambda a, b: s32(a & b), -1),
    "or": (lambda a, b: s32(a | b), 0),
    "xor": (lambda a, b: s32(a ^ b), 0),
    "umin": (min, 0xFFFFFFFF),
    "umax": (max, 0),
    "uor": (lambda a, b: a | b, 0),
    "fadd": (lambda a, b: f32(a + b), -0.0),
    "fmul": (lambda a, b: f32(a * b), 1.0),
    "fmin": (nmin, INF),
    "fmax": (nmax, -INF),
    "land": (lambda a, b: a and b, True),
    "lor": (lambda a, b: a or b, False),
    "lxor": (lambda a, b: a != b, False),
}


def scan(op, vals, act):
    f, ident = OPS[op]
    xs = [v if a else ident for v, a in zip(vals, act)]
    incl = []
    for l, x in enumerate(xs):
        incl.append(x if l == 0 else f(incl[-1], x))
    return xs, incl


def reduce(op, vals, act):
    return [scan(op, vals, act)[1][3]] * 4


def inclusive(op, vals, act):
    return scan(op, vals, act)[1]


def exclusive(op, vals, act):
    incl = scan(op, vals, act)[1]
    return [OPS[op][1]] + incl[:3]


def clustered(op, vals, act, c):
    c = min(c, 4)
    f = OPS[op][0]
    xs = scan(op, vals, act)[0]
    out = []
    for g in range(0, 4, c):
        acc = xs[g]
        for x in xs[g + 1:g + c]:
            acc = f(acc, x)
        out += [acc] * c
    return out


def read(vals, js):
    return [vals[j % 4] for j in js]


def ballot(pred, act):
    return sum(1 << l for l in range(4) if pred[l] and act[l])


def first(act):
    return act.index(True)


class Out:
    def __init__(self):
        self.o = [0] * (N * W)
        self.k = [0] * N

    def put(self, ids, act, vals, kind="u"):
        for l, i in enumerate(ids):
            if not act[l]:
                continue
            v = vals[l]
            if kind == "b":
                v = 1 if v else 0
            elif kind == "f":
                v = fbits(v)
            self.o[i * W + self.k[i]] = v & 0xFFFFFFFF
            self.k[i] += 1

    def put4(self, ids, act, vals):
        for c in range(4):
            self.put(ids, act, [v[c] for v in vals])


def masked(o, ids, act, x, f, p):
    fl = first(act)
    b = ballot(p, act)
    ball = ballot([True] * 4, act)
    o.put(ids, act, [l == fl for l in range(4)], "b")
    o.put(ids, act, [all(p[l] for l in range(4) if act[l])] * 4, "b")
    o.put(ids, act, [any(p[l] for l in range(4) if act[l])] * 4, "b")
    o.put(ids, act, [all(x[l] == x[fl] for l in range(4) if act[l])] * 4, "b")
    o.put4(ids, act, [(b, 0, 0, 0)] * 4)
    o.put(ids, act, [bin(b & 15).count("1")] * 4)
    o.put(ids, act, [bin(ball & ((2 << l) - 1)).count("1") for l in range(4)])
    o.put(ids, act, [bin(ball & ((1 << l) - 1)).count("1") for l in range(4)])
    o.put(ids, act, [fl] * 4)
    o.put(ids, act, [max(l for l in range(4) if act[l])] * 4)
    o.put(ids, act, [x[fl]] * 4)
    o.put(ids, act, reduce("iadd", x, act))
    o.put(ids, act, inclusive("iadd", x, act))
    o.put(ids, act, exclusive("iadd", x, act))
    o.put(ids, act, reduce("smin", x, act))
    o.put(ids, act, exclusive("smax", x, act))
    o.put(ids, act, reduce("fadd", f, act), "f")
    o.put(ids, act, inclusive("fmul", f, act), "f")
    o.put(ids, act, exclusive("fmin", f, act), "f")
    o.put(ids, act, reduce("lor", p, act), "b")
    o.put(ids, act, inclusive("land", p, act), "b")
    o.put(ids, act, exclusive("lxor", p, act), "b")
    o.put(ids, act, clustered("iadd", x, act, 2))
    o.put(ids, act, clustered("smax", x, act, 4))


def subgroup(o, sg):
    ids = [sg * 4 + l for l in range(4)]
    live = [i < N for i in ids]
    src = [i if i < N else sg * 4 for i in ids]
    x = [X[i] for i in src]
    f = [F[i] for i in src]
    u = [U[i] for i in src]
    p = [v > 0 for v in x]
    act = live
    L = range(4)
    o.put(ids, act, [4] * 4)
    o.put(ids, act, list(L))
    o.put(ids, act, [(N + 3) // 4] * 4)
    o.put(ids, act, [sg] * 4)
    for m in ([1 << l for l in L], [15 & ~((1 << l) - 1) for l in L],
              [15 & ~((2 << l) - 1) for l in L], [(2 << l) - 1 for l in L],
              [(1 << l) - 1 for l in L]):
        o.put4(ids, act, [(v, 0, 0, 0) for v in m])
    masked(o, ids, act, x, f, p)
    o.put(ids, act, [(u[l] >> l) & 1 for l in L])
    ext = []
    for l in L:
        v = [u[l], u[l] >> 1, 7, 0x80000000]
        idx = (x[l] & 0xFFFFFFFF) & 127
        ext.append((v[min(idx >> 5, 3)] >> (idx & 31)) & 1)
    o.put(ids, act, ext)
    for fn in (reduce, inclusive, exclusive):
        for op in ("iadd", "imul", "smin", "smax", "and", "or", "xor"):
            o.put(ids, act, fn(op, x, act))
    o.put(ids, act, reduce("umin", u, act))
    o.put(ids, act, reduce("umax", u, act))
    o.put(ids, act, exclusive("umin", u, act))
    o.put(ids, act, inclusive("umax", u, act))
    for fn, op in ((reduce, "fadd"), (reduce, "fmul"), (reduce, "fmin"), (reduce, "fmax"),
                   (exclusive, "fadd"), (exclusive, "fmul"), (inclusive, "fmin"),
                   (exclusive, "fmax")):
        o.put(ids, act, fn(op, f, act), "f")
    for fn, op in ((reduce, "land"), (reduce, "lxor"), (exclusive, "land"), (exclusive, "lor"),
                   (inclusive, "lxor"), (inclusive, "lor")):
        o.put(ids, act, fn(op, p, act), "b")
    o.put(ids, act, read(x, [1] * 4))
    o.put(ids, act, read(x, [3] * 4))
    o.put(ids, act, read(x, [l ^ 2 for l in L]))
    o.put(ids, act, read(x, [(l + 1) & 3 for l in L]))
    o.put(ids, act, read(x, [2] * 4))
    o.put(ids, act, read(x, [l ^ 3 for l in L]))
    o.put(ids, act, read(x, [l ^ (x[l] & 3) for l in L]))
    o.put(ids, act, read(x, [l - 2 for l in L]))
    o.put(ids, act, read(x, [l + 1 for l in L]))
    o.put(ids, act, read(u, [0] * 4))
    o.put(ids, act, read(u, [l + 3 for l in L]))
    o.put(ids, act, clustered("iadd", x, act, 1))
    o.put(ids, act, clustered("imul", x, act, 2))
    o.put(ids, act, clustered("smin", x, act, 4))
    o.put(ids, act, clustered("fmax", f, act, 2), "f")
    o.put(ids, act, clustered("uor", u, act, 2))
    for js in ([2] * 4, [l ^ 1 for l in L], [l ^ 2 for l in L], [l ^ 3 for l in L]):
        o.put(ids, act, read(x, js))
    # if (p)
    a = [act[l] and p[l] for l in L]
    if any(a):
        masked(o, ids, a, x, f, [v > 2 for v in x])
        fl = first(a)
        o.put(ids, a, [l == fl for l in L], "b")
        o.put4(ids, a, [(ballot([True] * 4, a), 0, 0, 0)] * 4)
        o.put(ids, a, read(x, [1] * 4))
        o.put(ids, a, reduce("fmax", f, a), "f")
        o.put(ids, a, read(x, [l ^ 1 for l in L]))
        o.put(ids, a, read(x, [l - 1 for l in L]))
    # else: the loop
    e = [act[l] and not p[l] for l in L]
    if any(e):
        acc = [0] * 4
        j = 0
        while True:
            aj = [e[l] and j < 2 - x[l] for l in L]
            if not any(aj):
                break
            cnt = reduce("iadd", [1] * 4, aj)
            inc = inclusive("iadd", [j] * 4, aj)
            for l in L:
                if aj[l]:
                    acc[l] = s32(acc[l] + cnt[l] * 100 + inc[l])
            j += 1
        o.put(ids, e, acc)
        o.put(ids, e, reduce("iadd", x, e))


if __name__ == "__main__":
    o = Out()
    for sg in range((N + 3) // 4):
        subgroup(o, sg)
    print("expect 1 " + " ".join(hex(v) for v in o.o))
