#version 450
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#extension GL_EXT_shader_atomic_int64 : require
// 64-bit integers work (shaderInt64), 64-bit atomics do not (shaderBufferInt64Atomics is not
// reported): refused with the capability's name.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) buffer B { uint64_t v; } b;
void main() { atomicAdd(b.v, 1ul); }
