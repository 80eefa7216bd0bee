#version 450
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require
// 16-bit integers are not implemented (shaderInt16 is not reported): refused with the
// capability's name. (64-bit integers work: int64_*.)
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) buffer B { uint v; } b;
void main() { uint16_t h = uint16_t(b.v); b.v = uint(h + uint16_t(1)); }
