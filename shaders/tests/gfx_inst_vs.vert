#version 450
// Graphics tests (tests/tests/draw.rs): instancing; a per-instance offset (location 2) moves
// each instance and gl_InstanceIndex tints it blue by a push-constant step.
layout(location = 0) in vec4 pos;
layout(location = 1) in vec4 color;
layout(location = 2) in vec2 offset;
layout(location = 0) out vec4 v_color;
layout(push_constant) uniform Push { float instance_tint; } pc;
void main() {
    gl_Position = vec4(pos.xy + offset, pos.zw);
    v_color = color + vec4(0.0, 0.0, pc.instance_tint * float(gl_InstanceIndex), 0.0);
}
