#version 450
// Multisampled storage images (shaderStorageImageMultisample is not reported) are refused.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0, r32ui) uniform uimage2DMS img;
void main() {
    imageStore(img, ivec2(0), 0, uvec4(1u));
}
