#version 450
// A storage image binding without a descriptor (Resource::None): loads, sizes and atomics
// give 0 and stores are dropped (the runner binds no image; storage images proper are tested
// through the loader in tests/tests/storage_image.rs).
layout(local_size_x = 1) in;
layout(set = 0, binding = 0, r32ui) uniform uimage2D img;
layout(set = 0, binding = 1, std430) buffer O { uvec4 load; ivec2 size; uint atomic_old; } o;
void main() {
    imageStore(img, ivec2(0), uvec4(5u));
    o.load = imageLoad(img, ivec2(0));
    o.size = imageSize(img);
    o.atomic_old = imageAtomicAdd(img, ivec2(0), 1u);
}
