#version 450
// Benchmark (softvk-bench): a 3x3 blur through a LINEAR sampler (each tap between texels, so
// every tap is a bilinear sample), one output pixel per invocation, written as vec4.
layout(local_size_x = 8, local_size_y = 8) in;
layout(set = 0, binding = 0) uniform sampler2D img;
layout(set = 0, binding = 1, std430) writeonly buffer O { vec4 o[]; };
void main() {
    ivec2 p = ivec2(gl_GlobalInvocationID.xy);
    ivec2 size = textureSize(img, 0);
    vec2 d = 1.0 / vec2(size);
    vec2 uv = (vec2(p) + 0.5) * d;
    vec4 s = vec4(0.0);
    for (int dy = -1; dy <= 1; dy++) {
        for (int dx = -1; dx <= 1; dx++) {
            s += textureLod(img, uv + vec2(dx, dy) * d * 1.5, 0.0);
        }
    }
    o[p.y * size.x + p.x] = s / 9.0;
}
