#version 450
// EarlyFragmentTests (tests/tests/draw.rs): half of the pixels discard, the rest write
// FragDepth 0; with early tests both come after the depth test and write.
layout(early_fragment_tests) in;
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
