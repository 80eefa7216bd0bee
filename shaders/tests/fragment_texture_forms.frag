#version 450
// Implicit-LOD forms in a fragment shader (src/shader/tests.rs): a Bias operand (added to
// the level of detail before the sampler's clamp) and the projective forms (derivatives of
// the coordinates divided by q).
layout(set = 0, binding = 0) uniform sampler2D t;
layout(location = 0) in vec2 uv;
layout(location = 0) out vec4 biased;
layout(location = 1) out vec4 projected;
layout(location = 2) out vec4 projected4;
void main() {
    biased = texture(t, uv, 1.0);
    projected = textureProj(t, vec3(uv * 2.0, 2.0));
    projected4 = textureProj(t, vec4(uv * 4.0, 7.0, 4.0));
}
