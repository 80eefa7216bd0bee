#version 450
// Loader test (tests/tests/sampling.rs): every texel of a 7x5 sampled image fetched with
// texelFetch through a separate texture and sampler (OpSampledImage), plus textureLod at the
// coordinates given, the size and the level count the shader sees.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) uniform texture2D tex;
layout(set = 0, binding = 1) uniform sampler smp;
layout(set = 0, binding = 2, std430) readonly buffer Coords { vec4 at[8]; } coords;
layout(set = 0, binding = 3, std430) writeonly buffer Out {
    ivec4 size;
    vec4 sampled[8];
    vec4 texels[];
} o;
void main() {
    ivec2 s = textureSize(sampler2D(tex, smp), 0);
    o.size = ivec4(s, textureQueryLevels(sampler2D(tex, smp)), 0);
    for (int y = 0; y < s.y; y++) {
        for (int x = 0; x < s.x; x++) {
            o.texels[y * s.x + x] = texelFetch(sampler2D(tex, smp), ivec2(x, y), 0);
        }
    }
    for (int k = 0; k < 8; k++) {
        o.sampled[k] = textureLod(sampler2D(tex, smp), coords.at[k].xy, coords.at[k].z);
    }
}
