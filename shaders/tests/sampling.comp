#version 450
// Loader test (tests/tests/compute.rs): sampling a multisampled image, which softvk's compiler
// does not support; pipeline creation must fail cleanly with a message that names it.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) uniform sampler2DMS tex;
layout(set = 0, binding = 1, std430) writeonly buffer Out { vec4 v; } o;
void main() {
    o.v = texelFetch(tex, ivec2(0), 0);
}
