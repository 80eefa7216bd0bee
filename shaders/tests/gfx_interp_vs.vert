#version 450
// Graphics tests (tests/tests/draw.rs, interpolation functions): the color through every
// interpolation qualifier.
layout(location = 0) in vec4 pos;
layout(location = 1) in vec4 color;
layout(location = 0) out vec4 v_smooth;
layout(location = 1) noperspective out vec4 v_linear;
layout(location = 2) flat out vec4 v_flat;
layout(location = 3) centroid out vec4 v_centroid;
layout(location = 4) sample out vec4 v_sample;
void main() {
    gl_Position = pos;
    v_smooth = color;
    v_linear = color;
    v_flat = color;
    v_centroid = color;
    v_sample = color;
}
