#version 450
// 64-bit integers in every storage class and as specialization constants: a std430 block with
// 8-byte-aligned members (u64vec3 at 32, an i64vec2 array of stride 16), push constants,
// shared memory (null-initialized, across a barrier), private and function variables with
// dynamic indexing, 64-bit spec constants (two-word OpSpecConstant) and spec-constant
// operations on them (arithmetic, shifts, comparisons, conversions to and from 32 bits).
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#extension GL_EXT_null_initializer : require
layout(local_size_x = 4) in;
layout(constant_id = 0) const int64_t K = -5l;
layout(constant_id = 1) const uint64_t U = 0x100000000ul;
layout(constant_id = 2) const uint S32 = 3u;
const int64_t K3 = K * 3l;
const uint64_t U4 = U >> 4u;
const int K32 = int(K);
const uint64_t W = uint64_t(S32) + U;
const bool LT = K < -1l;
const uint64_t UM = U % 7ul;
struct S { uint a; uint64_t b; u64vec3 c; uint d; i64vec2 e[2]; };
layout(set = 0, binding = 0, std430) buffer B { S s; int64_t r[]; } b;
layout(push_constant, std430) uniform P { uint pad; uint64_t base; u64vec3 v; } pc;
shared uint64_t sh[4] = {};
uint64_t priv = 7ul;
void main() {
    uint id = gl_LocalInvocationID.x;
    uint64_t before = sh[id];
    barrier();
    sh[id] = pc.base * uint64_t(id + 1u) + before;
    barrier();
    uint64_t f[4];
    for (uint k = 0u; k < 4u; ++k) f[k] = sh[(id + k) & 3u];
    priv += f[1];
    if (id == 0u) {
        S s = b.s;
        s.a += 1u;
        s.b = s.b * 2ul + uint64_t(s.d);
        s.c = s.c.zxy + pc.v;
        s.d = uint(s.e[1].y);
        s.e[0] = -s.e[0];
        s.e[1] = s.e[1] << 4;
        b.s = s;
        b.r[0] = K3;
        b.r[1] = int64_t(U4);
        b.r[2] = int64_t(K32);
        b.r[3] = int64_t(W);
        b.r[4] = LT ? 1l : 0l;
        b.r[5] = int64_t(UM);
        b.r[6] = int64_t(priv);
        b.r[7] = int64_t(f[0] + f[2]);
    }
    b.r[8 + id] = int64_t(f[3]);
}
