#version 450
// Loader test (tests/tests/sampling.rs, cube_arrays_sample_gather_load_and_store): a cube array
// view (2 cubes of 4x4 faces, 2 levels) sampled at two levels, gathered, its size and level
// count queried; a storage view of its base level loaded and stored through imageCubeArray
// (coordinate z = 6 * cube + face). dir[i] = (x, y, z, cube).
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) uniform samplerCubeArray tca;
layout(set = 0, binding = 1, rgba32f) uniform readonly imageCubeArray src;
layout(set = 0, binding = 2, rgba32f) uniform writeonly imageCubeArray dst;
layout(set = 0, binding = 3, std430) readonly buffer Coords { vec4 dir[]; } coords;
layout(set = 0, binding = 4, std430) writeonly buffer Out {
    ivec4 sizes[2];
    vec4 v[];
} o;
void main() {
    uint i = gl_GlobalInvocationID.x;
    vec4 d = coords.dir[i];
    o.v[i * 4 + 0] = textureLod(tca, d, 0.0);
    o.v[i * 4 + 1] = textureLod(tca, d, 1.0);
    o.v[i * 4 + 2] = textureGather(tca, d, 2);
    // Texel i of the base level: x, y, then the layer-face (6 * cube + face).
    ivec3 c = ivec3(i % 4, (i / 4) % 4, i / 16);
    vec4 t = imageLoad(src, c);
    o.v[i * 4 + 3] = t;
    imageStore(dst, c, t * 2.0 + 1.0);
    if (i == 0) {
        o.sizes[0] = ivec4(textureSize(tca, 0), textureQueryLevels(tca));
        o.sizes[1] = ivec4(imageSize(src), textureSize(tca, 1).x);
    }
}
