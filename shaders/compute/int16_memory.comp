#version 450
// 16-bit integers in memory: u16vec3/i16vec2 members at 2-byte alignment (std430), a 16-bit
// array indexed dynamically in a storage buffer, Function and shared memory (barrier), stores
// of single 16-bit elements that leave their neighbours alone, subgroup operations on 16-bit
// values (shaderSubgroupExtendedTypes; exclusive scans give the 16-bit identities) with one
// active lane, and
// specialization-constant operations on 16-bit operands (unsigned division, logical shift).
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_EXT_shader_subgroup_extended_types_int16 : require
layout(local_size_x = 4) in;
layout(constant_id = 0) const uint16_t SU = 1us;
const uint16_t SU_DIV = SU / 3us;
const uint16_t SU_SHR = SU >> 4us;
const int16_t SS = int16_t(SU) >> 4s;
layout(set = 0, binding = 0, std430) buffer S {
    uint16_t h; u16vec3 v; i16vec2 w; uint16_t arr[8]; uint idx; uint16_t out_[16];
} s;
shared int16_t sh[4];
void main() {
    uint l = gl_LocalInvocationIndex;
    int16_t mine = int16_t(l) * int16_t(-1000);
    sh[l] = mine;
    barrier();
    int16_t loc[4] = int16_t[4](s.w.x, s.w.y, int16_t(s.v.z), int16_t(s.h));
    if (l == 0u) {
        s.out_[0] = uint16_t(sh[0] + sh[1] + sh[2] + sh[3]);   // -6000
        s.out_[1] = s.arr[s.idx];                               // arr[5]
        s.out_[2] = uint16_t(loc[s.idx - 3u]);                   // loc[2] = v.z
        s.out_[3] = s.v.x + s.v.y;
        s.out_[4] = SU_DIV;
        s.out_[5] = SU_SHR;
        s.out_[6] = uint16_t(SS);
        s.out_[7] = uint16_t(subgroupAdd(mine));                 // only lane 0 is active: 0
        s.out_[8] = uint16_t(subgroupExclusiveMin(mine));        // INT16_MAX
        s.out_[9] = uint16_t(subgroupExclusiveMax(mine));        // INT16_MIN
        s.out_[10] = subgroupExclusiveMin(s.h);                  // UINT16_MAX
        s.arr[3] = uint16_t(0xBEEF);                             // neighbours 2 and 4 unchanged
        s.v.y = uint16_t(7);
    }
}
