#version 450
// Vertex-format test (tests/tests/draw.rs): the flat attribute as the color.
layout(location = 0) flat in uvec4 v;
layout(location = 0) out uvec4 o;
void main() {
    o = v;
}
