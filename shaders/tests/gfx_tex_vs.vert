#version 450
// Graphics tests (tests/tests/draw.rs): a textured quad; uv scaled by a push constant so the
// quad repeats the texture (address modes) and minifies it (mip levels).
layout(location = 0) in vec4 pos;
layout(location = 1) in vec4 uv;
layout(location = 0) out vec2 v_uv;
layout(push_constant) uniform Push { vec2 scale; vec2 bias; } pc;
void main() {
    gl_Position = pos;
    v_uv = uv.xy * pc.scale + pc.bias;
}
