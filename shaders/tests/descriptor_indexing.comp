#version 450
// Descriptor indexing (tests/tests/descriptor_indexing.rs): a runtime-sized array of storage
// buffers (the set's variable count, partially bound) indexed per invocation (nonuniformEXT)
// and with a constant.
#extension GL_EXT_nonuniform_qualifier : require
layout(local_size_x = 8) in;
layout(set = 0, binding = 0, std430) writeonly buffer Out { uint o[]; };
layout(set = 0, binding = 1, std430) readonly buffer In { uint v[]; } ins[];
layout(push_constant) uniform P { uint count; } pc;
void main() {
    uint i = gl_LocalInvocationIndex;
    uint which = i % pc.count;
    o[i] = ins[nonuniformEXT(which)].v[i] + ins[0].v[0] * 1000u;
}
