#version 450
// Graphics tests (tests/tests/draw.rs): gfx_color_fs, but reading FragCoord (never negative
// inside a viewport), so draws run it for every fragment rather than once per primitive.
layout(location = 0) in vec4 v_color;
layout(location = 0) out vec4 o;
void main() {
    o = gl_FragCoord.x < 0.0 ? vec4(1.0) : v_color;
}
