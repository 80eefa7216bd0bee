#version 450
#extension GL_EXT_multiview : require
// Graphics tests (tests/tests/draw.rs): the interpolated color, red set from gl_ViewIndex.
layout(location = 0) in vec4 v_color;
layout(location = 0) out vec4 o;
void main() {
    o = vec4(float(gl_ViewIndex) * 0.5, v_color.gba);
}
