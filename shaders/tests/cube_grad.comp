#version 450
// Loader test (tests/tests/sampling.rs, cube_gradients_select_the_spec_lod): textureGrad on a
// cube map, one case per invocation: direction, dPdx and dPdy from the input (three vec4 per
// case), the sampled texel to the output.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) uniform samplerCube tex;
layout(set = 0, binding = 1, std430) readonly buffer In { vec4 q[]; } inp;
layout(set = 0, binding = 2, std430) writeonly buffer Out { vec4 o[]; } outp;
void main() {
    uint i = gl_GlobalInvocationID.x;
    outp.o[i] = textureGrad(tex, inp.q[3u * i].xyz, inp.q[3u * i + 1u].xyz,
                            inp.q[3u * i + 2u].xyz);
}
