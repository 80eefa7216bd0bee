#version 450
// Vertex-format test (tests/tests/draw.rs): the flat attribute as the color.
layout(location = 0) flat in ivec4 v;
layout(location = 0) out ivec4 o;
void main() {
    o = v;
}
