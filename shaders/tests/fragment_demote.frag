#version 450
#extension GL_EXT_demote_to_helper_invocation : require
// Demotion (src/shader/tests.rs): demoted lanes write nothing but still feed derivatives, and
// helperInvocationEXT() says which lanes are helpers.
layout(location = 0) in float x;
layout(location = 0) out vec4 color;
void main() {
    if (x > 0.5) {
        demote;
    }
    color = vec4(x, dFdx(x), helperInvocationEXT() ? 1.0 : 0.0, 1.0);
}
