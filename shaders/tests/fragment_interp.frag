#version 450
// A fragment shader with interpolation functions (src/shader/cached.rs: its planes survive a
// pipeline cache): interpolateAtOffset / AtSample / AtCentroid of smooth and noperspective
// inputs and a component of one; a flat input between them.
layout(location = 0) in vec4 a;
layout(location = 1) noperspective in vec2 b;
layout(location = 2) flat in vec4 f;
layout(location = 3) in float c;
layout(location = 0) out vec4 o0;
layout(location = 1) out vec4 o1;
layout(location = 2) out vec4 o2;
void main() {
    o0 = interpolateAtOffset(a, vec2(0.25, -0.125)) + f;
    o1 = vec4(interpolateAtSample(b, 1), interpolateAtCentroid(b).y, interpolateAtOffset(c, b));
    o2 = vec4(interpolateAtCentroid(a.z), interpolateAtOffset(f.x, vec2(0.5)), 0.0, 1.0);
}
