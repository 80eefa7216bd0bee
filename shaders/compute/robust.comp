#version 450
// Robustness: out-of-range buffer reads give 0 and writes are dropped, a missing descriptor is
// a zero-length buffer, descriptor-array indices beyond the binding's count select nothing,
// division by zero and INT_MIN / -1 do not trap, NaN and huge floats convert saturating,
// function-memory arrays are checked, push constants beyond the pushed bytes read 0.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) buffer Small { int v[]; } small;       // 4 ints
layout(set = 0, binding = 1) buffer Missing { int v[]; } missing;   // Resource::None
layout(set = 0, binding = 2) buffer Arr { int v[4]; } arr[3];       // count 2 in the layout
layout(set = 0, binding = 3) buffer Out { int r[]; } o;
layout(push_constant) uniform P { int idx; int zero; int minus1; float nan; int far; } pc;
void main() {
    int i = pc.idx;              // 4: one past the end of `small`
    o.r[0] = small.v[i];
    small.v[i] = 123;            // dropped
    small.v[i - 5] = 123;        // index -1: dropped
    small.v[1000000000] = 123;   // dropped
    o.r[1] = small.v[3];
    o.r[2] = missing.v[0];
    missing.v[0] = 5;            // dropped
    o.r[3] = int(missing.v.length());
    o.r[4] = arr[1].v[2];
    o.r[5] = arr[pc.idx - 2].v[0];   // index 2 >= count 2: reads 0
    arr[pc.idx - 2].v[0] = 77;       // dropped
    o.r[6] = 10 / pc.zero;           // undefined value, no trap
    o.r[7] = 10 % pc.zero;
    o.r[8] = int(0x80000000u) / pc.minus1;
    o.r[9] = int(0x80000000u) % pc.minus1;
    o.r[10] = int(uint(10) / uint(pc.zero));
    o.r[11] = int(pc.nan);
    o.r[12] = int(uint(pc.nan));
    o.r[13] = int(3.0e9 * float(pc.idx));
    o.r[14] = int(-3.0e9 * float(pc.idx));
    o.r[15] = int(uint(-5.0 * float(pc.idx)));
    int local[4] = int[4](1, 2, 3, 4);
    local[pc.idx] = 9;               // dropped
    o.r[16] = local[pc.idx] + local[3];
    o.r[17] = pc.far;                // beyond the 16 pushed bytes: 0
    o.r[18] = 1 << (pc.idx * 10);    // shift >= 32: undefined, no trap
}
