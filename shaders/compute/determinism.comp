#version 450
// Float-heavy per-invocation work plus a shared-memory reduction; every output word is written
// by exactly one invocation, so the bytes must not depend on how workgroups are scheduled.
layout(local_size_x = 16) in;
layout(set = 0, binding = 0) buffer Out { float perInvocation[]; } o;
layout(set = 0, binding = 1) buffer Sums { float perGroup[]; } s;
shared float part[16];
void main() {
    uint g = gl_GlobalInvocationID.x;
    float acc = float(g) * 0.1;
    for (int k = 0; k < 20; k++) acc = fract(sin(acc * 12.9898 + float(k)) * 43758.5453);
    o.perInvocation[g] = acc;
    part[gl_LocalInvocationIndex] = acc;
    barrier();
    if (gl_LocalInvocationIndex == 0u) {
        float t = 0.0;
        for (int k = 0; k < 16; k++) t += part[k];
        s.perGroup[gl_WorkGroupID.x] = t;
    }
}
