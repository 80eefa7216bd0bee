#version 450
// Graphics tests (tests/tests/draw.rs): a second subpass reading the first one's color and
// depth at its own pixel through input attachments.
layout(input_attachment_index = 0, set = 0, binding = 0) uniform subpassInput color_in;
layout(input_attachment_index = 1, set = 0, binding = 1) uniform subpassInput depth_in;
layout(location = 0) in vec4 v_color;
layout(location = 0) out vec4 o;
void main() {
    vec4 c = subpassLoad(color_in);
    float d = subpassLoad(depth_in).r;
    o = vec4((1.0 - c.rgb) * (1.0 - 0.5 * d), 1.0) + 0.0 * v_color;
}
