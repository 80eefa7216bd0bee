#version 450
// Loader test (tests/tests/storage_image.rs): atomics on R32_UINT and R32_SINT storage images
// (OpImageTexelPointer): 256 invocations add, min, max, or and exchange into a 4x2 image;
// atomics out of range (negative coordinates too) return 0 and change nothing.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, r32ui) uniform uimage2D u;
layout(set = 0, binding = 1, r32i) uniform iimage2D s;
layout(set = 0, binding = 2, std430) buffer O { uint outside[256]; } o;
void main() {
    int i = int(gl_GlobalInvocationID.x);
    ivec2 c = ivec2(i % 4, 0);
    imageAtomicAdd(u, c, uint(i));
    imageAtomicOr(u, ivec2(i % 4, 1), 1u << (i / 8));
    imageAtomicMin(s, c, -i);
    imageAtomicMax(s, ivec2(i % 4, 1), i);
    uint r = imageAtomicAdd(u, ivec2(4, 0), 1u) | imageAtomicAdd(u, ivec2(0, 2), 1u)
        | imageAtomicExchange(u, ivec2(-1, 0), 5u)
        | imageAtomicCompSwap(u, ivec2(-4, -4), 0u, 9u)
        | uint(imageAtomicAdd(s, ivec2(0, -1), 1));
    o.outside[i] = r;
}
