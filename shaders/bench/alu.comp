#version 450
// Benchmark (softvk-bench): arithmetic-bound, 256 dependent multiply-adds per element.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) buffer Y { float y[]; };
layout(push_constant) uniform P { uint n; } pc;
void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < pc.n) {
        float v = x[i];
        for (int k = 0; k < 256; k++) {
            v = v * 0.999 + 0.25;
        }
        y[i] = v;
    }
}
