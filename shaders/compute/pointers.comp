#version 450
// Buffer device addresses (GL_EXT_buffer_reference, uvec2 addresses): loads of vectors,
// structs and floats through a pointer from the push constants, a pointer kept in a local
// variable and moved with uvec2 arithmetic, atomics through a pointer, and accesses past the
// end of the addressed buffer (read 0, writes dropped: the guard bytes stay intact).
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_buffer_reference_uvec2 : require
layout(local_size_x = 4) in;

struct Pair {
    uint a;
    uint b;
};
layout(buffer_reference, std430, buffer_reference_align = 16) buffer Data {
    uvec4 v;
    Pair pairs[4];
    float f;
    uint counter;
    uint tail[];
};
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Word {
    uint w;
};

layout(push_constant) uniform P {
    Data data;
} pc;

layout(set = 0, binding = 0, std430) buffer Out {
    uint o[];
};

void main() {
    uint i = gl_LocalInvocationIndex;
    Data d = pc.data;
    o[i] = d.v[i] + d.pairs[i].a * 10u + d.pairs[i].b * 100u;
    atomicAdd(d.counter, i + 1u);
    // tail has 2 elements: index 2 and beyond are outside the buffer.
    o[4 + i] = d.tail[i];
    d.tail[2 + i] = 0xBADu;
    // The word at byte 4*i of the buffer, through an address computed as a uvec2.
    Word w = Word(uvec2(d) + uvec2(4u * i, 0u));
    o[8 + i] = w.w;
    if (i == 0u) {
        o[12] = floatBitsToUint(d.f * 2.0);
        o[13] = uint(uvec2(d) == uvec2(pc.data));
    }
}
