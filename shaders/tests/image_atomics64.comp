#version 450
// Loader test (tests/tests/storage_image.rs): 64-bit integer storage images (R64_UINT and
// R64_SINT views, VK_EXT_shader_image_atomic_int64): 256 invocations add, or, min and max 64-bit
// values into 4x2 images; the first 4 invocations also store and load texels of a third image
// (imageStore / imageLoad: (R, 0, 0, 1)); atomics and loads out of range return 0, stores
// there are dropped.
#extension GL_EXT_shader_image_int64 : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, r64ui) uniform u64image2D u;
layout(set = 0, binding = 1, r64i) uniform i64image2D s;
layout(set = 0, binding = 2, r64ui) uniform u64image2D t;
layout(set = 0, binding = 3, std430) buffer O { uint64_t outside[256]; u64vec4 loaded[4]; } o;
void main() {
    int i = int(gl_GlobalInvocationID.x);
    ivec2 c = ivec2(i % 4, 0);
    imageAtomicAdd(u, c, uint64_t(i) << 33);
    imageAtomicOr(u, ivec2(i % 4, 1), 1ul << (i / 4));
    imageAtomicMin(s, c, -(int64_t(i) << 40));
    imageAtomicMax(s, ivec2(i % 4, 1), int64_t(i) * 0x100000001l);
    uint64_t r = imageAtomicAdd(u, ivec2(4, 0), 1ul) | imageAtomicAdd(u, ivec2(0, 2), 1ul)
        | imageAtomicExchange(u, ivec2(-1, 0), 5ul)
        | imageAtomicCompSwap(u, ivec2(-4, -4), 0ul, 9ul)
        | uint64_t(imageAtomicAdd(s, ivec2(0, -1), 1l));
    o.outside[i] = r;
    if (i < 4) {
        imageStore(t, ivec2(i, 1), u64vec4(0xF00000000ul + uint64_t(i) * 0x123456789ul));
        imageStore(t, ivec2(i, 2), u64vec4(7ul));
        o.loaded[i] = imageLoad(t, ivec2(i, 0)) + imageLoad(t, ivec2(i, 5));
    }
}
