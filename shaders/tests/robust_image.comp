#version 450
// Loader test (tests/tests/features.rs, robustImageAccess): image accesses out of the view's
// range never crash: loads and fetches give (0, 0, 0, 0) (for every component, also beyond the
// format's channels), stores are dropped; negative and huge coordinates included.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, r32ui) uniform readonly uimageBuffer src;
layout(set = 0, binding = 1, r32ui) uniform writeonly uimageBuffer dst;
layout(set = 0, binding = 2) uniform utextureBuffer fetched;
layout(set = 0, binding = 3, std430) buffer O { uvec4 load[64]; uvec4 neg[64]; uvec4 fetch[64]; } o;
void main() {
    int i = int(gl_GlobalInvocationID.x);
    o.load[i] = imageLoad(src, i);
    o.neg[i] = imageLoad(src, -1 - i * 1000000);
    o.fetch[i] = texelFetch(fetched, i);
    imageStore(dst, i + 8, uvec4(100u + uint(i)));
    imageStore(dst, -1 - i, uvec4(7u));
}
