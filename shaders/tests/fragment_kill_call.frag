#version 450
#extension GL_EXT_demote_to_helper_invocation : require
// Kill and demotion inside called functions (src/shader/tests.rs): the lanes they take out do
// not come back in the caller.
layout(location = 0) in float x;
layout(location = 0) out vec4 color;
void cut(float v) {
    if (v > 0.5) {
        discard;
    }
}
void dim(float v) {
    if (v < 0.2) {
        demote;
    }
}
void main() {
    cut(x);
    dim(x);
    color = vec4(x, 1.0, 0.0, 1.0);
}
