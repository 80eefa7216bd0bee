#version 450
// draw_early_fs without EarlyFragmentTests: the tests come after the shader.
layout(location = 0) in vec4 c;
layout(location = 0) out vec4 o;
void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    if (((p.x + p.y) & 1) == 1) {
        discard;
    }
    gl_FragDepth = 0.0;
    o = c;
}
