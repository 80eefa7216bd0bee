#version 450
// SoA backend: lanes of one subgroup taking different paths. Six invocations per workgroup
// (a full subgroup of four and a half-empty one), two workgroups. Expected values: see the
// Python model in divergence.test's header.
layout(local_size_x = 6) in;
layout(set = 0, binding = 0, std430) buffer Out { uint o[]; };
layout(set = 0, binding = 1, std430) readonly buffer In { uint data[]; };

// A loop whose trip count differs per lane, left early by some lanes through a return.
uint collatz(uint x) {
    uint steps = 0u;
    while (x != 1u) {
        if (steps >= 20u) {
            return 1000u + x;
        }
        x = (x % 2u == 0u) ? x / 2u : 3u * x + 1u;
        steps++;
    }
    return steps;
}

void main() {
    uint i = gl_GlobalInvocationID.x;
    uint v = data[i];
    // Divergent loop with continue and break.
    uint acc = 0u;
    for (uint k = 0u; k < v; k++) {
        if (k % 3u == 1u) {
            continue;
        }
        if (k > 7u) {
            break;
        }
        acc += k * k;
    }
    o[i * 8u + 0u] = acc;
    o[i * 8u + 1u] = collatz(v + 1u);
    // Switch on a varying value, with a fall-through.
    uint s = 0u;
    switch (v % 4u) {
    case 0u:
        s = 10u;
    case 1u:
        s += 1u;
        break;
    case 2u:
        s = 20u;
        break;
    default:
        s = 30u;
    }
    o[i * 8u + 2u] = s;
    // A local array indexed per lane.
    uint arr[5];
    for (int k = 0; k < 5; k++) {
        arr[k] = v * uint(k) + 1u;
    }
    o[i * 8u + 3u] = arr[v % 5u];
    // Nested divergent ifs; the value is used after them.
    float f = float(v);
    if (v > 3u) {
        if (v > 9u) {
            f = f * 0.5;
        } else {
            f = -f;
        }
    }
    o[i * 8u + 4u] = floatBitsToUint(f);
    // Every lane adds; only odd invocations store.
    atomicAdd(o[96], v);
    if ((i & 1u) == 1u) {
        o[i * 8u + 5u] = i + 100u;
    }
    // A uniform loop carrying a varying value.
    uint h = v;
    for (int k = 0; k < 4; k++) {
        h = h * 31u + uint(k);
    }
    o[i * 8u + 6u] = h;
    o[i * 8u + 7u] = gl_LocalInvocationIndex * 100u + gl_WorkGroupID.x;
}
