#version 450
#extension GL_EXT_shader_image_load_formatted : require
// Loader test (tests/tests/storage_image.rs): a 2D storage image copied texel by texel into a
// storage image of the same format, both without a format qualifier (the views' formats
// apply), and into a rgba32i image (format qualifier); plus the sizes the shader sees.
layout(local_size_x = 4, local_size_y = 4) in;
layout(set = 0, binding = 0) uniform readonly iimage2D src;
layout(set = 0, binding = 1) uniform writeonly iimage2D dst;
layout(set = 0, binding = 2, rgba32i) uniform writeonly iimage2D wide;
layout(set = 0, binding = 3, std430) buffer Sizes { ivec2 src_size; ivec2 dst_size; } sizes;
void main() {
    ivec2 p = ivec2(gl_GlobalInvocationID.xy);
    if (all(lessThan(p, imageSize(src)))) {
        ivec4 v = imageLoad(src, p);
        imageStore(dst, p, v);
        imageStore(wide, p, v);
    }
    if (p == ivec2(0)) {
        sizes.src_size = imageSize(src);
        sizes.dst_size = imageSize(dst);
    }
}
