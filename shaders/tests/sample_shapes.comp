#version 450
// Loader test (tests/tests/sampling.rs): NEAREST sampling, texelFetch and the size queries of
// 1D, 1D array, 2D array, 3D and cube images, one invocation per coordinate.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) uniform sampler1D t1;
layout(set = 0, binding = 1) uniform sampler1DArray t1a;
layout(set = 0, binding = 2) uniform sampler2DArray t2a;
layout(set = 0, binding = 3) uniform sampler3D t3;
layout(set = 0, binding = 4) uniform samplerCube tc;
layout(set = 0, binding = 5, std430) readonly buffer Coords { vec4 at[]; } coords;
layout(set = 0, binding = 6, std430) writeonly buffer Out {
    ivec4 sizes[5];
    vec4 v[];
} o;
void main() {
    uint i = gl_GlobalInvocationID.x;
    vec4 c = coords.at[i];
    ivec4 f = ivec4(floor(c * 8.0)) - 2;
    o.v[i * 9 + 0] = textureLod(t1, c.x, c.w);
    o.v[i * 9 + 1] = textureLod(t1a, c.xy, c.w);
    o.v[i * 9 + 2] = textureLod(t2a, c.xyz, c.w);
    o.v[i * 9 + 3] = textureLod(t3, c.xyz, c.w);
    o.v[i * 9 + 4] = textureLod(tc, c.xyz * 2.0 - 1.0, c.w);
    // texelFetch at integer coordinates from the same vector (some out of range).
    o.v[i * 9 + 5] = texelFetch(t1, f.x, 0);
    o.v[i * 9 + 6] = texelFetch(t1a, f.xy, 0);
    o.v[i * 9 + 7] = texelFetch(t2a, f.xyz, 0);
    o.v[i * 9 + 8] = texelFetch(t3, f.xyz, 1);
    if (i == 0) {
        o.sizes[0] = ivec4(textureSize(t1, 1), 0, 0, textureQueryLevels(t1));
        o.sizes[1] = ivec4(textureSize(t1a, 0), 0, textureQueryLevels(t1a));
        o.sizes[2] = ivec4(textureSize(t2a, 0), textureQueryLevels(t2a));
        o.sizes[3] = ivec4(textureSize(t3, 1), textureQueryLevels(t3));
        o.sizes[4] = ivec4(textureSize(tc, 0), 0, textureQueryLevels(tc));
    }
}
