#version 450
// 16-bit floats through the loader (tests/tests/float64.rs): per invocation, a float16_t from a
// storage buffer, a half specialization constant, a loop of multiply, add, divide and
// multiply-add on halves (each operation rounded to f16), the result stored as a float16_t.
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
layout(local_size_x = 64) in;
layout(constant_id = 0) const float16_t K = 1.0hf;
layout(set = 0, binding = 0, std430) buffer B { float16_t v[]; } b;
void main() {
    uint gid = gl_GlobalInvocationID.x;
    float16_t x = b.v[gid];
    for (int k = 0; k < 4; ++k) {
        float16_t y = x * K;
        y = y + 0.5hf;
        y = y / (x + 3.0hf);
        x = y + x * 0.25hf;
    }
    b.v[gid] = x;
}
