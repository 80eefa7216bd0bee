#version 450
// Centroid interpolation test: c.r carries the window x of the vertices; a fragment whose
// input lies right of x = 10.3 (outside the rectangle being drawn) is red, else green.
layout(location = 0) centroid in vec4 c;
layout(location = 0) out vec4 o;
void main() {
    o = c.r > 10.301 ? vec4(1.0, 0.0, 0.0, 1.0) : vec4(0.0, 1.0, 0.0, 1.0);
}
