#!/usr/bin/env python3
"""CPU reference for int64_subgroup.comp: prints the `expect 0` line of int64_subgroup.test.

Same model as subgroup_ops.py (subgroups of 4; lanes past the workgroup's end inactive and
holding the first lane's ids; inactive lanes contribute the identity; folds left in lane
order; shuffles read lane j mod 4), on 64-bit integers wrapping modulo 2^64.
"""
U = [0x123456789ABCDEF0, 3, 0xFFFFFFFFFFFFFFFF, 0x100000000, 7, 0x8000000000000000]
S = [-0x100000000, 5, -7, 0x7FFFFFFFFFFFFFFF, -1, 2]
M = (1 << 64) - 1


def s64(v):
    v &= M
    return v - (1 << 64) if v >> 63 else v


OPS = {
    "add": (lambda a, b: (a + b) & M, 0),
    "mul": (lambda a, b: (a * b) & M, 1),
    "umin": (min, M),
    "umax": (max, 0),
    "and": (lambda a, b: a & b, M),
    "xor": (lambda a, b: a ^ b, 0),
    "smin": (min, (1 << 63) - 1),
    "smax": (max, -(1 << 63)),
}


def incl(op, xs, act):
    f, ident = OPS[op]
    xs = [x if a else ident for x, a in zip(xs, act)]
    out = []
    for l, x in enumerate(xs):
        out.append(x if l == 0 else f(out[-1], x))
    return out


def excl(op, xs, act):
    return [OPS[op][1]] + incl(op, xs, act)[:3]


def red(op, xs, act):
    return [incl(op, xs, act)[3]] * 4


def clus2(op, xs, act):
    f, ident = OPS[op]
    xs = [x if a else ident for x, a in zip(xs, act)]
    return [f(xs[0], xs[1])] * 2 + [f(xs[2], xs[3])] * 2


N = 6
r = [0] * (N * 14)
for sg in range(2):
    ids = [sg * 4 + l for l in range(4)]
    act = [i < N for i in ids]
    src = [i if i < N else sg * 4 for i in ids]
    u = [U[i] for i in src]
    s = [S[i] for i in src]
    res = [
        red("add", u, act), incl("mul", u, act), excl("umin", u, act), excl("smin", s, act),
        excl("smax", s, act), excl("and", u, act), excl("mul", u, act), incl("add", u, act),
        red("smax", s, act), [u[act.index(True)]] * 4, [u[(l + 1) & 3] for l in range(4)],
        excl("umax", u, act), [s[l ^ 1] for l in range(4)], clus2("xor", u, act),
    ]
    for l, i in enumerate(ids):
        if act[l]:
            for k, v in enumerate(res):
                r[i * 14 + k] = v[l] & M
print("expect 0 u64 " + " ".join(hex(v) for v in U) + " i64 " + " ".join(str(v) for v in S)
      + " u64 " + " ".join(hex(v) for v in r))
