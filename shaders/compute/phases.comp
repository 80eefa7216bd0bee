#version 450
// Workgroup barriers as phases (SoA backend): barriers inside a function called in a loop,
// a local array indexed per lane that must survive every barrier, six invocations (a full
// subgroup and a half-empty one), two workgroups.
layout(local_size_x = 6) in;
layout(set = 0, binding = 0, std430) buffer Out { uint o[]; };
shared uint s[6];

uint exchange(uint v, uint shift) {
    s[gl_LocalInvocationIndex] = v;
    barrier();
    uint r = s[(gl_LocalInvocationIndex + shift) % 6u];
    barrier();
    return r;
}

void main() {
    uint i = gl_LocalInvocationIndex;
    uint arr[4];
    for (uint k = 0u; k < 4u; k++) {
        arr[k] = i * 10u + k + gl_WorkGroupID.x;
    }
    uint acc = i;
    for (uint r = 1u; r <= 3u; r++) {
        acc = exchange(acc, r) + arr[(i + r) % 4u];
        arr[r % 4u] += acc;
    }
    uint g = gl_GlobalInvocationID.x;
    o[g * 2u] = acc;
    o[g * 2u + 1u] = arr[i % 4u];
}
