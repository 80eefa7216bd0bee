#version 450
// sample_linear.comp with a separate image and sampler; the result's third component only.
layout(local_size_x = 16) in;
layout(set = 0, binding = 0) uniform texture2D t;
layout(set = 0, binding = 1) uniform sampler s;
layout(set = 0, binding = 2, std430) readonly buffer C { vec2 c[]; };
layout(set = 0, binding = 3, std430) writeonly buffer O { vec4 o[]; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    o[i] = vec4(textureLod(sampler2D(t, s), c[i], 0.0).b);
}
