#version 450
// Draw tests (src/raster/draw/tests.rs): dual-source blending, the second source at location
// 0 index 1.
layout(location = 0) in vec4 v_color;
layout(location = 0, index = 0) out vec4 o0;
layout(location = 0, index = 1) out vec4 o1;
void main() {
    o0 = v_color;
    o1 = vec4(0.5, 0.25, 2.0, 1.0);
}
