#version 450
// GL_EXT_buffer_reference2 pointer indexing: glslang computes the address with 64-bit
// integers, which the compiler does not implement (shaderInt64 is not reported): refused with
// a message naming Int64. (uvec2 addresses, GL_EXT_buffer_reference_uvec2, work.)
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_buffer_reference2 : require
layout(local_size_x = 1) in;
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Word {
    uint v;
};
layout(push_constant) uniform P {
    Word w;
} pc;
void main() {
    pc.w[1].v = pc.w[0].v;
}
