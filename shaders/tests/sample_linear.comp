#version 450
// textureLod at one coordinate per invocation, through a combined image sampler
// (src/shader/tests.rs: inline bilinear sampling against the runtime's).
layout(local_size_x = 16) in;
layout(set = 0, binding = 0) uniform sampler2D img;
layout(set = 0, binding = 1, std430) readonly buffer C { vec2 c[]; };
layout(set = 0, binding = 2, std430) writeonly buffer O { vec4 o[]; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    o[i] = textureLod(img, c[i], 0.0);
}
