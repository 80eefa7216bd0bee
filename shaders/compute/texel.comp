#version 450
// Texel buffers: fetch (float/int/uint), imageLoad/imageStore, imageSize, out-of-range fetch
// and store, and a slot with no descriptor.
layout(local_size_x = 4) in;
layout(set = 0, binding = 0) uniform samplerBuffer fsrc;          // R8G8B8A8_UNORM
layout(set = 0, binding = 1) uniform isamplerBuffer isrc;         // R16G16_SINT
layout(set = 0, binding = 2, rgba32ui) uniform uimageBuffer ubuf; // R32G32B32A32_UINT
layout(set = 0, binding = 3, r32f) uniform imageBuffer fdst;      // R32_SFLOAT
layout(set = 0, binding = 4) uniform samplerBuffer missing;       // Resource::None
layout(set = 0, binding = 5) buffer Out { vec4 f[4]; ivec4 i[4]; uvec4 u[4]; ivec4 sizes; vec4 oob; vec4 none; } o;
void main() {
    int id = int(gl_GlobalInvocationID.x);
    o.f[id] = texelFetch(fsrc, id);
    o.i[id] = texelFetch(isrc, id);
    uvec4 v = imageLoad(ubuf, id);
    o.u[id] = v;
    imageStore(ubuf, id, v * 2u + uvec4(id));
    imageStore(fdst, id, vec4(float(id) * 1.5, 9.0, 9.0, 9.0));
    if (id == 0) {
        o.sizes = ivec4(textureSize(fsrc), textureSize(isrc), imageSize(ubuf), imageSize(fdst));
        o.oob = texelFetch(fsrc, 4) + texelFetch(fsrc, -1) + vec4(imageLoad(ubuf, 100));
        o.none = texelFetch(missing, 0) + vec4(float(textureSize(missing)));
        imageStore(fdst, 4, vec4(7.0));
        imageStore(fdst, -5, vec4(7.0));
    }
}
