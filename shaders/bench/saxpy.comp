#version 450
// Benchmark (softvk-bench): memory-bound, y = 2.5 x + y over n floats (up to 16M: a 2D grid
// of 64-wide workgroups, since one dimension holds at most 65535 workgroups).
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) buffer Y { float y[]; };
layout(push_constant) uniform P { uint n; } pc;
void main() {
    uint i = gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u + gl_GlobalInvocationID.x;
    if (i < pc.n) {
        y[i] = 2.5 * x[i] + y[i];
    }
}
