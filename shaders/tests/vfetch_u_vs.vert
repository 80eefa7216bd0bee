#version 450
// Vertex-format test (tests/tests/draw.rs): attribute 0 passed through unchanged, vertex i
// drawn as a point on pixel (i, 0).
layout(location = 0) in uvec4 a;
layout(location = 0) flat out uvec4 v;
void main() {
    gl_Position = vec4((2.0 * float(gl_VertexIndex) + 1.0) / 64.0 - 1.0, 0.0, 0.0, 1.0);
    gl_PointSize = 1.0;
    v = a;
}
