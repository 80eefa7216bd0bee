#version 450
// Loader test (tests/tests/compute.rs): every texel of a uniform texel buffer, fetched and
// stored as 32-bit components into a storage texel buffer of format rgba32f.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) uniform samplerBuffer src;
layout(set = 0, binding = 1, rgba32f) uniform writeonly imageBuffer dst;
layout(push_constant) uniform P { int count; } pc;
void main() {
    int i = int(gl_GlobalInvocationID.x);
    if (i < pc.count) {
        imageStore(dst, i, texelFetch(src, i));
    }
}
