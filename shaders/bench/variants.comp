#version 450
// Benchmark (softvk-bench): compile time. VARIANT (a specialization constant, 0 to 19) selects
// one of twenty different computations, so each specialization is a different program (Mesa
// folds the others away; softvk compiles the specialized module).
layout(local_size_x = 64) in;
layout(constant_id = 0) const int VARIANT = 0;
layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) buffer Y { float y[]; };
layout(push_constant) uniform P { uint n; } pc;
void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i >= pc.n) {
        return;
    }
    float a = x[i];
    float b = x[(i + 1u) % pc.n];
    float r = 0.0;
    switch (VARIANT) {
    case 0: r = a + b; break;
    case 1: r = a * b + 1.0; break;
    case 2: r = sqrt(abs(a)) + b; break;
    case 3: r = sin(a) * cos(b); break;
    case 4: r = exp(a * 0.01) - log(abs(b) + 1.0); break;
    case 5: { for (int k = 0; k < 16; k++) r = r * 0.5 + a; } break;
    case 6: r = max(a, b) - min(a, b); break;
    case 7: r = float(int(a * 100.0) ^ int(b * 100.0)); break;
    case 8: r = dot(vec4(a, b, a, b), vec4(1.0, 2.0, 3.0, 4.0)); break;
    case 9: r = length(vec3(a, b, 1.0)); break;
    case 10: r = a > b ? a : b * 2.0; break;
    case 11: r = fract(a) + floor(b); break;
    case 12: r = pow(abs(a) + 1.0, 1.5) + b; break;
    case 13: r = mix(a, b, 0.25); break;
    case 14: r = clamp(a, -1.0, 1.0) * clamp(b, 0.0, 2.0); break;
    case 15: r = float(bitCount(uint(abs(a) * 1000.0))) + b; break;
    case 16: r = atan(a, b + 2.0); break;
    case 17: { vec2 v = vec2(a, b); for (int k = 0; k < 8; k++) v = vec2(v.x * 0.9 - v.y * 0.1, v.x * 0.1 + v.y * 0.9); r = v.x + v.y; } break;
    case 18: r = float(uint(a * 7.0) % 5u) + float(int(b * 3.0) / 2); break;
    default: r = inversesqrt(abs(a) + 1.0) + tanh(b); break;
    }
    y[i] = r;
}
