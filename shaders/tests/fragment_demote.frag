#version 450
#extension GL_EXT_demote_to_helper_invocation : require
// demote: refused with a message until helper demotion lands.
layout(location = 0) in float x;
layout(location = 0) out vec4 color;
void main() {
    if (x > 0.5) {
        demote;
    }
    color = vec4(x);
}
