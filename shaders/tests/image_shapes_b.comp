#version 450
// Loader test (tests/tests/storage_image.rs): storage image view types with a format
// qualifier: 2D array, 3D, cube here, the others in image_shapes_a.comp (maxPerStageDescriptorStorageImages
// is 4). Each texel becomes `old ^ key(coordinate)`, so a texel read or written at the wrong
// place shows; imageSize of each; loads out of range (every coordinate, negative too) must
// give (0, 0, 0, 0) and stores out of range must change nothing.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0, r32ui) uniform uimage2DArray i2a;
layout(set = 0, binding = 1, r32ui) uniform uimage3D i3;
layout(set = 0, binding = 2, r32ui) uniform uimageCube ic;
layout(set = 0, binding = 3, std430) buffer O { ivec4 size[3]; uvec4 outside[3]; uvec4 inside[3]; } o;

uint key(int shape, ivec3 c) {
    return uint(c.x) | uint(c.y) << 8 | uint(c.z) << 16 | uint(shape) << 24;
}

void main() {
    ivec3 s;
    uvec4 out_ = uvec4(0);
    // 2D array
    s = imageSize(i2a);
    o.size[0] = ivec4(s, 0);
    for (int l = 0; l < s.z; l++)
        for (int y = 0; y < s.y; y++)
            for (int x = 0; x < s.x; x++) {
                ivec3 c = ivec3(x, y, l);
                imageStore(i2a, c, imageLoad(i2a, c) ^ uvec4(key(3, c)));
            }
    o.inside[0] = imageLoad(i2a, ivec3(0));
    o.outside[0] = imageLoad(i2a, ivec3(0, 0, s.z)) | imageLoad(i2a, ivec3(0, 0, -1))
        | imageLoad(i2a, ivec3(s.x, 0, 0)) | imageLoad(i2a, ivec3(0, s.y, 0));
    imageStore(i2a, ivec3(0, 0, s.z), uvec4(0xdead));
    imageStore(i2a, ivec3(0, 0, -1), uvec4(0xdead));
    imageStore(i2a, ivec3(s.x - 1, s.y, 0), uvec4(0xdead));
    // 3D
    s = imageSize(i3);
    o.size[1] = ivec4(s, 0);
    for (int z = 0; z < s.z; z++)
        for (int y = 0; y < s.y; y++)
            for (int x = 0; x < s.x; x++) {
                ivec3 c = ivec3(x, y, z);
                imageStore(i3, c, imageLoad(i3, c) ^ uvec4(key(4, c)));
            }
    o.inside[1] = imageLoad(i3, ivec3(0));
    o.outside[1] = imageLoad(i3, ivec3(0, 0, s.z)) | imageLoad(i3, ivec3(0, 0, -1))
        | imageLoad(i3, ivec3(s.x, 0, 0)) | imageLoad(i3, ivec3(0, s.y, 0));
    imageStore(i3, ivec3(0, 0, s.z), uvec4(0xdead));
    imageStore(i3, ivec3(s.x, s.y - 1, s.z - 1), uvec4(0xdead));
    // Cube: (x, y, face)
    s = ivec3(imageSize(ic), 6);
    o.size[2] = ivec4(imageSize(ic), 0, 0);
    for (int f = 0; f < 6; f++)
        for (int y = 0; y < s.y; y++)
            for (int x = 0; x < s.x; x++) {
                ivec3 c = ivec3(x, y, f);
                imageStore(ic, c, imageLoad(ic, c) ^ uvec4(key(5, c)));
            }
    o.inside[2] = imageLoad(ic, ivec3(0));
    o.outside[2] = imageLoad(ic, ivec3(0, 0, 6)) | imageLoad(ic, ivec3(0, 0, -1))
        | imageLoad(ic, ivec3(s.x, 0, 0)) | imageLoad(ic, ivec3(0, -1, 0));
    imageStore(ic, ivec3(0, 0, 6), uvec4(0xdead));
    imageStore(ic, ivec3(0, s.y, 5), uvec4(0xdead));
}
