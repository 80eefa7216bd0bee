#version 450
// A vertex shader through the stage interface (src/shader/tests.rs: vertex shaders): inputs
// at locations 0-2, built-ins, push constants, a storage buffer, outputs at locations 0-2,
// gl_Position and a gl_PointSize written under divergent control.
layout(location = 0) in vec3 pos;
layout(location = 1) in vec2 uv;
layout(location = 2) in uint tag;
layout(location = 0) out vec2 o_uv;
layout(location = 1) flat out uint o_tag;
layout(location = 2) out vec4 o_color;
layout(push_constant) uniform P { mat4 mvp; } pc;
layout(set = 0, binding = 0, std430) readonly buffer Colors { vec4 colors[]; };
void main() {
    gl_Position = pc.mvp * vec4(pos, 1.0);
    o_uv = uv * 2.0;
    o_tag = tag + uint(gl_VertexIndex) * 100u + uint(gl_InstanceIndex) * 10000u;
    o_color = colors[gl_VertexIndex % 4];
    if (gl_VertexIndex % 3 == 1) {
        gl_PointSize = 7.0;
    } else {
        gl_PointSize = 1.0;
    }
}
