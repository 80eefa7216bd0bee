#version 450
// Benchmark (softvk-bench): the smallest dispatch, one invocation writing its push constant.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) buffer Y { float y[]; };
layout(push_constant) uniform P { uint n; } pc;
void main() {
    y[pc.n] = float(pc.n);
}
