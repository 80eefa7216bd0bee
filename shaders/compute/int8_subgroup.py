#!/usr/bin/env python3
"""CPU reference for int8_subgroup.comp: prints the slot and `expect 0` lines of
int8_subgroup.test.

Same model as subgroup_ops.py (subgroups of 4; lanes past the workgroup's end inactive and
holding the first lane's ids; inactive lanes contribute the identity; folds left in lane order;
shuffles and broadcasts read lane j mod 4, a shuffle from an inactive lane reads what that lane
holds; a shuffle past the subgroup or from an inactive lane is undefined: `*`). 8-bit integers wrap modulo 2^8; vectors component by component.
"""
N = 6
A = [100, -5, 127, 2, -128, 9]
U = [3, 255, 7, 200, 16, 129]
V = [(1, 2), (100, 2), (-1, 2), (50, 2), (7, -128), (0, -128)]


def s8(x):
    x &= 0xFF
    return x - 0x100 if x & 0x80 else x


def fold(f, ident, xs, act):
    xs = [x if a else ident for x, a in zip(xs, act)]
    out = []
    for l, x in enumerate(xs):
        out.append(x if l == 0 else f(out[-1], x))
    return out


def excl(f, ident, xs, act):
    return [ident] + fold(f, ident, xs, act)[:3]


r = [0] * (N * 12)
for sg in range(2):
    ids = [sg * 4 + l for l in range(4)]
    act = [i < N for i in ids]
    src = [i if i < N else sg * 4 for i in ids]
    a = [A[i] for i in src]
    u = [U[i] for i in src]
    v = [V[i] for i in src]
    fl = act.index(True)
    add = fold(lambda x, y: s8(x + y), 0, a, act)[3]
    imin = fold(min, 127, a, act)
    emax = excl(max, -128, a, act)
    umul = fold(lambda x, y: x * y & 0xFF, 1, u, act)
    umax = fold(max, 0, u, act)[3]
    umin = fold(min, 255, u, act)[3]
    uand = fold(lambda x, y: x & y, 255, u, act)[3]
    uor = fold(lambda x, y: x | y, 0, u, act)[3]
    uxor = fold(lambda x, y: x ^ y, 0, u, act)[3]
    vex = [excl(lambda x, y: s8(x + y), 0, [w[c] for w in v], act) for c in range(2)]
    eq_u = all(u[l] == u[fl] for l in range(4) if act[l])
    eq_v = all(v[l][1] == v[fl][1] for l in range(4) if act[l])
    clus = [s8((a[l & ~1] if act[l & ~1] else 0) + (a[l | 1] if act[l | 1] else 0))
            for l in range(4)]
    for l, i in enumerate(ids):
        if not act[l]:
            continue
        r[i * 12:i * 12 + 12] = [
            add & 0xFFFFFFFF, imin[l] & 0xFFFFFFFF, emax[l] & 0xFFFFFFFF,
            a[l ^ 1] & 0xFFFFFFFF, umul[l], umax | umin << 8 | uand << 16 | uor << 24,
            (vex[0][l] & 0xFF) | (vex[1][l] & 0xFF) << 8, v[2][1] & 0xFFFFFFFF,
            int(eq_u) + 2 * int(eq_v), clus[l] & 0xFFFFFFFF,
            # ShuffleDown past the subgroup or from an inactive lane: undefined.
            u[l + 1] if l + 1 < 4 and act[l + 1] else None,
            u[l ^ 1] | uxor << 8 | (a[fl] & 0xFF) << 16,
        ]
# std430: a at 0, u at 6, v at 12 (2-byte aligned), r at 24.
data = ("i8 " + " ".join(map(str, A)) + " u8 " + " ".join(map(str, U)) + " i8 "
        + " ".join(str(c) for w in V for c in w))
print("slot 0 buffer " + data + " zero:%d" % (4 * len(r)))
print("expect 0 " + data + " u32 " + " ".join("*" if x is None else hex(x) for x in r))
