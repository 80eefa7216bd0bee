#version 460
// Graphics tests (tests/tests/draw.rs): shader draw parameters as the color of a point drawn
// at the pixel of its vertex index.
layout(location = 0) in vec4 pos;
layout(location = 0) out vec4 v_color;
void main() {
    gl_Position = vec4((2.0 * float(gl_VertexIndex) + 1.0) / 64.0 - 1.0, pos.y, 0.0, 1.0);
    gl_PointSize = 1.0;
    v_color = vec4(float(gl_BaseVertex) / 255.0, float(gl_BaseInstance) / 255.0,
                   float(gl_DrawID) / 255.0, float(gl_InstanceIndex) / 255.0);
}
