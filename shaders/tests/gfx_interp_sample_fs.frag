#version 450
// Graphics tests (tests/tests/draw.rs): with a Sample input the shader runs once per sample;
// interpolateAtSample at its own sample, interpolateAtOffset at its own location and
// interpolateAtCentroid all give the sample-qualified input; 4 vec4 per sample into `o`, and
// one atomic count per invocation.
layout(location = 0) in vec4 v_smooth;
layout(location = 4) sample in vec4 v_sample;
layout(set = 0, binding = 0) buffer Out { uint count; vec4 o[]; };
void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    uint base = ((uint(p.y) * 64u + uint(p.x)) * 4u + uint(gl_SampleID)) * 4u;
    o[base + 0u] = interpolateAtSample(v_smooth, gl_SampleID);
    o[base + 1u] = interpolateAtOffset(v_smooth, gl_SamplePosition - vec2(0.5));
    o[base + 2u] = interpolateAtCentroid(v_smooth);
    o[base + 3u] = v_sample;
    atomicAdd(count, 1u);
}
