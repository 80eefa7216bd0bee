#version 450
// Graphics tests (tests/tests/draw.rs): position and color as given.
layout(location = 0) in vec4 pos;
layout(location = 1) in vec4 color;
layout(location = 0) out vec4 v_color;
void main() {
    gl_Position = pos;
    gl_PointSize = 1.0;
    v_color = color;
}
