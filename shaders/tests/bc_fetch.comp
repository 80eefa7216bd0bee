#version 450
// Loader test (tests/tests/bc.rs): every texel of every level and layer of a sampled
// (block-compressed) 2D array view fetched with texelFetch, then textureLod at the given
// (u, v, layer, lod) coordinates.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) uniform texture2DArray tex;
layout(set = 0, binding = 1) uniform sampler smp;
layout(set = 0, binding = 2, std430) readonly buffer Coords { vec4 at[]; } coords;
layout(set = 0, binding = 3, std430) writeonly buffer Out { vec4 v[]; } o;
layout(push_constant) uniform P { int count; } p;
void main() {
    int n = 0;
    int levels = textureQueryLevels(sampler2DArray(tex, smp));
    for (int l = 0; l < levels; l++) {
        ivec3 s = textureSize(sampler2DArray(tex, smp), l);
        for (int layer = 0; layer < s.z; layer++) {
            for (int y = 0; y < s.y; y++) {
                for (int x = 0; x < s.x; x++) {
                    o.v[n++] = texelFetch(sampler2DArray(tex, smp), ivec3(x, y, layer), l);
                }
            }
        }
    }
    for (int k = 0; k < p.count; k++) {
        o.v[n++] = textureLod(sampler2DArray(tex, smp), coords.at[k].xyz, coords.at[k].w);
    }
}
