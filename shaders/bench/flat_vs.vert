#version 450
// Bench: 2D positions, one color from push constants.
layout(location = 0) in vec2 pos;
layout(push_constant) uniform Push { vec4 color; } pc;
layout(location = 0) out vec4 v_color;
void main() {
    gl_Position = vec4(pos, 0.0, 1.0);
    v_color = pc.color;
}
