#version 450
// Graphics tests (tests/tests/draw.rs): interpolateAtOffset / AtCentroid / AtSample of smooth,
// noperspective and flat inputs, one invocation per pixel; 8 vec4 per pixel into `o`.
layout(location = 0) in vec4 v_smooth;
layout(location = 1) noperspective in vec4 v_linear;
layout(location = 2) flat in vec4 v_flat;
layout(location = 3) centroid in vec4 v_centroid;
layout(set = 0, binding = 0) buffer Out { vec4 o[]; };
layout(push_constant) uniform P { int sample_index; } pc;
void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    uint base = (uint(p.y) * 64u + uint(p.x)) * 8u;
    // A different offset per pixel of a 4x4 block, -0.40625 to 0.25 (exact in binary).
    vec2 off = vec2(float((p.x & 3) - 2), float((p.y & 3) - 2)) * 0.1875 + vec2(0.0625, -0.03125);
    o[base + 0u] = interpolateAtOffset(v_smooth, off);
    o[base + 1u] = interpolateAtOffset(v_linear, off);
    o[base + 2u] = interpolateAtOffset(v_flat, off);
    // Components and a zero offset: the input itself.
    o[base + 3u] = vec4(interpolateAtOffset(v_smooth.y, vec2(0.0)), v_smooth.y,
                        interpolateAtOffset(v_linear.z, vec2(0.0)), v_linear.z);
    o[base + 4u] = interpolateAtCentroid(v_smooth);
    o[base + 5u] = v_centroid;
    o[base + 6u] = interpolateAtSample(v_smooth, pc.sample_index);
    o[base + 7u] = interpolateAtSample(v_linear, pc.sample_index);
}
