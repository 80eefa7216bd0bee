#version 450
// Implicit-LOD sampling in a fragment shader (src/shader/tests.rs): texture() takes its level
// of detail from the coordinates' derivatives across the quad.
layout(set = 0, binding = 0) uniform sampler2D t;
layout(location = 0) in vec2 uv;
layout(location = 0) out vec4 o;
void main() {
    o = texture(t, uv);
}
