#version 450
// Loader test (tests/tests/storage_image.rs): storage image view types with a format
// qualifier: 1D, 1D array, 2D here, the others in image_shapes_b.comp (maxPerStageDescriptorStorageImages
// is 4). Each texel becomes `old ^ key(coordinate)`, so a texel read or written at the wrong
// place shows; imageSize of each; loads out of range (every coordinate, negative too) must
// give (0, 0, 0, 0) and stores out of range must change nothing.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0, r32ui) uniform uimage1D i1;
layout(set = 0, binding = 1, r32ui) uniform uimage1DArray i1a;
layout(set = 0, binding = 2, r32ui) uniform uimage2D i2;
layout(set = 0, binding = 3, std430) buffer O { ivec4 size[3]; uvec4 outside[3]; uvec4 inside[3]; } o;

uint key(int shape, ivec3 c) {
    return uint(c.x) | uint(c.y) << 8 | uint(c.z) << 16 | uint(shape) << 24;
}

void main() {
    ivec3 s;
    uvec4 out_ = uvec4(0);
    // 1D
    s = ivec3(imageSize(i1), 1, 1);
    o.size[0] = ivec4(s, 0);
    for (int x = 0; x < s.x; x++) {
        imageStore(i1, x, imageLoad(i1, x) ^ uvec4(key(0, ivec3(x, 0, 0))));
    }
    o.inside[0] = imageLoad(i1, 0);
    out_ = imageLoad(i1, -1) | imageLoad(i1, s.x) | imageLoad(i1, -2147483647 - 1);
    o.outside[0] = out_;
    imageStore(i1, -1, uvec4(0xdead));
    imageStore(i1, s.x, uvec4(0xdead));
    // 1D array
    s = ivec3(imageSize(i1a), 1);
    o.size[1] = ivec4(s, 0);
    for (int l = 0; l < s.y; l++)
        for (int x = 0; x < s.x; x++) {
            ivec2 c = ivec2(x, l);
            imageStore(i1a, c, imageLoad(i1a, c) ^ uvec4(key(1, ivec3(x, l, 0))));
        }
    o.inside[1] = imageLoad(i1a, ivec2(0));
    o.outside[1] = imageLoad(i1a, ivec2(0, -1)) | imageLoad(i1a, ivec2(0, s.y))
        | imageLoad(i1a, ivec2(s.x, 0)) | imageLoad(i1a, ivec2(-1, 0));
    imageStore(i1a, ivec2(0, s.y), uvec4(0xdead));
    imageStore(i1a, ivec2(0, -1), uvec4(0xdead));
    imageStore(i1a, ivec2(s.x, 0), uvec4(0xdead));
    // 2D
    s = ivec3(imageSize(i2), 1);
    o.size[2] = ivec4(s, 0);
    for (int y = 0; y < s.y; y++)
        for (int x = 0; x < s.x; x++) {
            ivec2 c = ivec2(x, y);
            imageStore(i2, c, imageLoad(i2, c) ^ uvec4(key(2, ivec3(x, y, 0))));
        }
    o.inside[2] = imageLoad(i2, ivec2(0));
    o.outside[2] = imageLoad(i2, ivec2(s.x, 0)) | imageLoad(i2, ivec2(0, s.y))
        | imageLoad(i2, ivec2(-1, 0)) | imageLoad(i2, ivec2(0, -1));
    imageStore(i2, ivec2(s.x, 0), uvec4(0xdead));
    imageStore(i2, ivec2(0, s.y), uvec4(0xdead));
    imageStore(i2, ivec2(-1, -1), uvec4(0xdead));
}
