#version 450
// Loader test (tests/tests/compute.rs): texture sampling, which softvk's compiler does not
// support yet; pipeline creation must fail cleanly with a message that names it.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) uniform sampler2D tex;
layout(set = 0, binding = 1, std430) writeonly buffer Out { vec4 v; } o;
void main() {
    o.v = textureLod(tex, vec2(0.5), 0.0);
}
