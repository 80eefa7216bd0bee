#version 450
// Loader test (tests/tests/features.rs, robustness2_*): VK_EXT_robustness2. Bindings 0-6 are
// null descriptors (nullDescriptor): loads give zeros, stores and atomics are dropped (atomics
// return 0), size queries give 0. Bindings 7-9 are real views read out of range
// (robustImageAccess2 / robustBufferAccess2): a zero texel with (0, 0, 1) for missing G, B, A.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0, std430) buffer NullS { uint v[]; } ns;
layout(set = 0, binding = 1, std140) uniform NullU { uvec4 u; } nu;
layout(set = 0, binding = 2, r32ui) uniform uimageBuffer nstb;
layout(set = 0, binding = 3) uniform usamplerBuffer nutb;
layout(set = 0, binding = 4, rgba8) uniform image2D nimg;
layout(set = 0, binding = 5) uniform sampler2D nsmp;
layout(set = 0, binding = 6, r32ui) uniform uimage2D nat;
layout(set = 0, binding = 7, rgba8) uniform image2D rgba;
layout(set = 0, binding = 8, r32f) uniform image2D r32;
layout(set = 0, binding = 9) uniform sampler2D rg8;
layout(set = 0, binding = 10, std430) buffer Out { uint w[64]; } o;
void main() {
    ns.v[3] = 7u;
    o.w[0] = ns.v[3];
    o.w[1] = uint(ns.v.length());
    o.w[2] = atomicAdd(ns.v[0], 5u);
    uvec4 u = nu.u;
    o.w[3] = u.x | u.y | u.z | u.w;
    imageStore(nstb, 2, uvec4(9u));
    uvec4 t = imageLoad(nstb, 2);
    o.w[4] = t.x; o.w[5] = t.w;
    o.w[6] = uint(imageSize(nstb));
    uvec4 f = texelFetch(nutb, 1);
    o.w[7] = f.x; o.w[8] = f.w;
    o.w[9] = uint(textureSize(nutb));
    imageStore(nimg, ivec2(0), vec4(1.0));
    vec4 l = imageLoad(nimg, ivec2(0));
    o.w[10] = floatBitsToUint(l.x); o.w[11] = floatBitsToUint(l.w);
    ivec2 s = imageSize(nimg);
    o.w[12] = uint(s.x + s.y);
    vec4 smp = textureLod(nsmp, vec2(0.5), 0.0);
    o.w[13] = floatBitsToUint(smp.x); o.w[14] = floatBitsToUint(smp.w);
    vec4 fe = texelFetch(nsmp, ivec2(0), 0);
    o.w[15] = floatBitsToUint(fe.w);
    ivec2 ts = textureSize(nsmp, 0);
    o.w[16] = uint(ts.x + ts.y);
    o.w[17] = imageAtomicAdd(nat, ivec2(0), 3u);
    // Out of range on real views.
    vec4 a = imageLoad(rgba, ivec2(5, 0));
    o.w[20] = floatBitsToUint(a.x); o.w[21] = floatBitsToUint(a.y);
    o.w[22] = floatBitsToUint(a.z); o.w[23] = floatBitsToUint(a.w);
    vec4 b = imageLoad(r32, ivec2(-1, 0));
    o.w[24] = floatBitsToUint(b.x); o.w[25] = floatBitsToUint(b.y);
    o.w[26] = floatBitsToUint(b.z); o.w[27] = floatBitsToUint(b.w);
    vec4 c = texelFetch(rg8, ivec2(0, 9), 0);
    o.w[28] = floatBitsToUint(c.x); o.w[29] = floatBitsToUint(c.y);
    o.w[30] = floatBitsToUint(c.z); o.w[31] = floatBitsToUint(c.w);
    // In range, for contrast: the same views' texel (0, 0).
    o.w[32] = floatBitsToUint(imageLoad(rgba, ivec2(0)).w);
    o.w[33] = floatBitsToUint(texelFetch(rg8, ivec2(0), 0).w);
}
