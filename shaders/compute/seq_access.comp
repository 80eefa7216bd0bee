#version 450
// SoA backend: per-lane accesses to consecutive 32-bit elements (one vector access when every
// lane is active and in range, else lane by lane): a store with one lane inactive, loads and
// stores that run past either end of their buffer, a store through a stride of two.
layout(local_size_x = 8) in;
layout(set = 0, binding = 0, std430) buffer A { float a[]; };   // 10 floats
layout(set = 0, binding = 1, std430) buffer B { int b[]; };     // 10 ints
layout(set = 0, binding = 2, std430) buffer C { uint c[]; };    // 16 uints
layout(set = 0, binding = 3, std430) buffer D { uint d[]; };    // 8 uints
void main() {
    int i = int(gl_LocalInvocationIndex);
    float x = a[i];
    if (i != 5) {
        a[i] = x * 2.0;
    }
    // Lanes 0..2 read before the start (0), lanes 8+ of the window past the end.
    b[i + 4] = b[i - 3] + 100;
    c[i * 2] = uint(i) + 1u;
    d[i + 3] += 1000u;
}
