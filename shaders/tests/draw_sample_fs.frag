#version 450
// Draw tests (src/raster/draw/tests.rs): sample shading through SampleId and SamplePosition,
// SampleMaskIn, and a SampleMask output that drops samples 1 and 3.
layout(location = 0) out vec4 o;
void main() {
    o = vec4(float(gl_SampleID), gl_SamplePosition, float(gl_SampleMaskIn[0]));
    gl_SampleMask[0] = 0x5;
}
