#version 450
#extension GL_EXT_shader_image_load_formatted : require
// Loader test (tests/tests/compute.rs): storage texel buffer to storage texel buffer, both
// without a format qualifier (the views' formats apply), plus the sizes the shader sees.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) uniform readonly uimageBuffer src;
layout(set = 0, binding = 1) uniform writeonly uimageBuffer dst;
layout(set = 0, binding = 2, std430) buffer Sizes { int src_size; int dst_size; } sizes;
void main() {
    int i = int(gl_GlobalInvocationID.x);
    if (i < imageSize(src)) {
        imageStore(dst, i, imageLoad(src, i));
    }
    if (i == 0) {
        sizes.src_size = imageSize(src);
        sizes.dst_size = imageSize(dst);
    }
}
