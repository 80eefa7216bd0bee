#version 450
// A 64-bit vertex input: refused with a message until 64-bit interface variables land
// (src/shader/tests.rs: graphics stages refuse what they do not implement).
layout(location = 0) in dvec2 p;
void main() {
    gl_Position = vec4(vec2(p), 0.0, 1.0);
}
