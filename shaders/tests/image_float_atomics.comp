#version 450
// Float atomics on an R32_SFLOAT storage image through the loader (tests/tests/float64.rs,
// shaderImageFloat32Atomics / shaderImageFloat32AtomicAdd): 256 invocations add multiples of
// 1/8 (exact in any order) into row 0 of a 4x2 image; invocations 0..3 exchange into row 1 and
// return the old texel; atomics out of range return 0 and change nothing.
#extension GL_EXT_shader_atomic_float : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, r32f) uniform image2D img;
layout(set = 0, binding = 1, std430) buffer O { float old[4]; float outside[256]; } o;
void main() {
    int i = int(gl_GlobalInvocationID.x);
    imageAtomicAdd(img, ivec2(i % 4, 0), float(i % 16) * 0.125);
    if (i < 4) {
        o.old[i] = imageAtomicExchange(img, ivec2(i, 1), float(i) + 0.5);
    }
    o.outside[i] = imageAtomicAdd(img, ivec2(4, 0), 1.0) + imageAtomicAdd(img, ivec2(0, -1), 1.0);
}
