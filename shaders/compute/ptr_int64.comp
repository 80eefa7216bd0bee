#version 450
// GL_EXT_buffer_reference2 pointer arithmetic (formerly refuse_ptr_int64: refused while 64-bit
// integers were not implemented): p[i] and p + n compile to OpConvertPtrToU, 64-bit integer
// arithmetic and OpConvertUToPtr; uint64_t(p) and Word(u) convert explicitly. Every access
// stays checked against the live buffers (64-bit atomics included): p[100] and a pointer made from 0 read 0, stores
// through them are dropped.
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_buffer_reference2 : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#extension GL_EXT_shader_atomic_int64 : require
layout(local_size_x = 1) in;
layout(buffer_reference, std430, buffer_reference_align = 8) buffer Quad {
    uint64_t q;
};
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Word {
    uint v;
};
layout(set = 0, binding = 0) writeonly buffer Out { uint r[]; } o;
layout(push_constant) uniform P {
    Word w;
} pc;
void main() {
    Word w = pc.w;
    w[1].v = w[0].v;                  // p[i]
    Word q = w + 3;                   // p + n
    o.r[0] = q.v;
    o.r[1] = (q - 1).v;               // p - n
    uint64_t a = uint64_t(w);         // OpConvertPtrToU
    Word r = Word(a + 16ul);          // OpConvertUToPtr
    o.r[2] = r.v;
    o.r[3] = uint(uint64_t(q) - a);   // pointer difference in bytes
    o.r[4] = w[100].v;                // past the buffer: 0
    w[100].v = 7u;                    // dropped
    Word nul = Word(a - a);
    o.r[5] = nul.v;                   // address 0: 0
    nul.v = 9u;                       // dropped
    uint i = w[2].v;
    w[i].v = 77u;                     // runtime index
    // 64-bit atomics through device addresses: words 6 and 7 as one uint64_t; an address
    // that is not 8-byte aligned is dropped like an out-of-range one (returns 0).
    uint64_t old = atomicAdd(Quad(a + 24ul).q, 0x100000001ul);
    o.r[6] = uint(old) + uint(old >> 32) * 1000u;
    o.r[7] = uint(atomicAdd(Quad(a + 4ul).q, 1ul)) + 1u;
}
