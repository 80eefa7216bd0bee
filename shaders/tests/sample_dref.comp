#version 450
// Loader test (tests/tests/sampling.rs, depth_compare_follows_the_spec): depth comparison
// (OpImageSampleDrefExplicitLod, OpImageSampleProjDrefExplicitLod) on 2D and 2D array views,
// one invocation per coordinate. at[i] = (s, t, dref, lod), layer[i] = the array layer.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) uniform sampler2DShadow t2;
layout(set = 0, binding = 1) uniform sampler2DArrayShadow t2a;
layout(set = 0, binding = 2, std430) readonly buffer Coords {
    vec4 at[64];
    float layer[64];
} coords;
layout(set = 0, binding = 3, std430) writeonly buffer Out { float v[]; } o;
void main() {
    uint i = gl_GlobalInvocationID.x;
    vec4 c = coords.at[i];
    o.v[i * 4 + 0] = textureLod(t2, c.xyz, c.w);
    o.v[i * 4 + 1] = textureLodOffset(t2, c.xyz, c.w, ivec2(1, -1));
    // Projective: (s, t, dref) * 2 over q = 2 (exact in f32), so the same as result 0.
    o.v[i * 4 + 2] = textureProjLod(t2, vec4(c.xyz * 2.0, 2.0), c.w);
    // Gradients d/dx = (g, 0), d/dy = (0, g) with g = lod: λ = log2(g * width).
    o.v[i * 4 + 3] =
        textureGrad(t2a, vec4(c.xy, coords.layer[i], c.z), vec2(c.w, 0.0), vec2(0.0, c.w));
}
