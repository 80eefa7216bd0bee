#version 450
// The centroid test's shader without Centroid: evaluated at pixel centers.
layout(location = 0) in vec4 c;
layout(location = 0) out vec4 o;
void main() {
    o = c.r > 10.301 ? vec4(1.0, 0.0, 0.0, 1.0) : vec4(0.0, 1.0, 0.0, 1.0);
}
