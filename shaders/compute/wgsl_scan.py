#!/usr/bin/env python3
"""CPU reference for wgsl_scan.wgsl: prints the slot and expect lines of wgsl_scan.test.

Two workgroups of 64; input holds 100 values (invocations past arrayLength read 0); scan is
the inclusive prefix sum of each workgroup's 64 values (u32, wrapping); total adds
countOneBits(v) + firstTrailingBit(v | 0x80000000) of every invocation; each item's pos becomes
(z, x, y) * (v odd ? 1 : -1) + lid and w gains reverseBits(v) >> 28 (all exact in f32).
"""
import struct

N_IN, N = 100, 128
IN = [(k * 2654435761 >> 7) & 0xFFFFFFFF for k in range(N_IN)]
POS = [(float(k % 7), float(-(k % 5)), float(k // 3)) for k in range(N)]
W = [0.5 * (k % 9) for k in range(N)]


def f32hex(x):
    return hex(struct.unpack("<I", struct.pack("<f", x))[0])


def rev(x):
    return int(format(x, "032b")[::-1], 2)


v = [IN[i] if i < N_IN else 0 for i in range(N)]
scan = []
for g in range(2):
    acc = 0
    for l in range(64):
        acc = (acc + v[g * 64 + l]) & 0xFFFFFFFF
        scan.append(acc)
total = 0
for x in v:
    y = x | 0x80000000
    total += bin(x).count("1") + ((y & -y).bit_length() - 1)
items_in, items_out = [], []
for i in range(N):
    x, y, z = POS[i]
    s = 1.0 if v[i] & 1 else -1.0
    lid = float(i % 64)
    items_in += [x, y, z, W[i]]
    items_out += [z * s + lid, x * s + lid, y * s + lid, W[i] + float(rev(v[i]) >> 28)]
print("slot 0 buffer u32 " + " ".join(hex(x) for x in IN))
print("slot 1 buffer zero:%d" % (4 * N))
print("slot 2 buffer zero:4")
print("slot 3 buffer f32 " + " ".join(repr(x) for x in items_in))
print("expect 1 u32 " + " ".join(hex(x) for x in scan))
print("expect 2 u32 %d" % total)
print("expect 3 u32 " + " ".join(f32hex(x) for x in items_out))
