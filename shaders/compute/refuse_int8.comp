#version 450
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
// 8-bit integers are not implemented (shaderInt8 is not reported): refused with the
// capability's name. (16- and 64-bit integers work: int16_*, int64_*.)
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) buffer B { uint v; } b;
void main() { uint8_t h = uint8_t(b.v); b.v = uint(h + uint8_t(1)); }
