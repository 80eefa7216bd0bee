#version 450
// Bench (tests/src/bench_graphics.rs): the scene's vertices as given, with texture coordinates.
layout(location = 0) in vec3 pos;
layout(location = 1) in vec2 uv;
layout(location = 0) out vec2 v_uv;
void main() {
    gl_Position = vec4(pos, 1.0);
    v_uv = uv;
}
