#version 450
// Benchmark (softvk-bench): C = A B for n x n floats (n a multiple of 16), 16 x 16 tiles staged
// in workgroup memory with barriers. A is x[0, n*n), B is x[n*n, 2 n*n), C is y[0, n*n).
layout(local_size_x = 16, local_size_y = 16) in;
layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) buffer Y { float y[]; };
layout(push_constant) uniform P { uint n; } pc;
shared float ta[16][16];
shared float tb[16][16];
void main() {
    uint n = pc.n;
    uint row = gl_GlobalInvocationID.y;
    uint col = gl_GlobalInvocationID.x;
    uint lr = gl_LocalInvocationID.y;
    uint lc = gl_LocalInvocationID.x;
    float acc = 0.0;
    for (uint t = 0u; t < n; t += 16u) {
        ta[lr][lc] = x[row * n + t + lc];
        tb[lr][lc] = x[n * n + (t + lr) * n + col];
        barrier();
        for (uint k = 0u; k < 16u; k++) {
            acc += ta[lr][k] * tb[k][lc];
        }
        barrier();
    }
    y[row * n + col] = acc;
}
