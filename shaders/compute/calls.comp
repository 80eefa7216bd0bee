#version 450
// SoA backend: functions with inout and out parameters (pointers to per-lane memory), called
// under divergent control, returning from inside loops, recursion-free nesting, a private
// variable, and a workgroup barrier in a loop around them. Eight invocations, one workgroup.
layout(local_size_x = 8) in;
layout(set = 0, binding = 0, std430) buffer Out { uint o[]; };
shared uint tile[8];
uint counter = 0u;  // Private

void bump(inout uint x, uint by) {
    x += by;
    counter += 1u;
}

bool find(uint v, out uint at) {
    for (uint k = 0u; k < 16u; k++) {
        if ((v >> k) == 0u) {
            at = k;
            return true;
        }
    }
    at = 99u;
    return false;
}

uint twice(uint x) {
    uint y = x;
    bump(y, x);
    return y;
}

void main() {
    uint i = gl_LocalInvocationIndex;
    uint v = i * 37u + 5u;
    uint a = v;
    if (i % 3u != 0u) {
        bump(a, i);
        if (i > 4u) {
            a = twice(a);
        }
    }
    uint at;
    bool found = find(v * (i + 1u), at);
    uint acc = 0u;
    for (uint r = 0u; r < 3u; r++) {
        tile[i] = a + r;
        barrier();
        acc += tile[(i + 1u) % 8u];
        barrier();
    }
    o[i * 4u + 0u] = a;
    o[i * 4u + 1u] = found ? at : 1000u;
    o[i * 4u + 2u] = acc;
    o[i * 4u + 3u] = counter;
}
