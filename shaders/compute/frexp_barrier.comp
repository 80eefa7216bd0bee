#version 450
// frexp/modf as glslang emits them (GLSL.std.450 FrexpStruct, ModfStruct) and subgroup memory
// and execution barriers on buffers (OpMemoryBarrier / OpControlBarrier with Subgroup scope).
#extension GL_KHR_shader_subgroup_basic : enable
layout(local_size_x = 4) in;
layout(std430, binding = 0) buffer I { float x[4]; vec2 v; } i;
layout(std430, binding = 1) buffer O { float sig[4]; int e[4]; vec2 vs; ivec2 ve; float fr[4]; float wh[4]; } o;

void main() {
    uint k = gl_LocalInvocationIndex;
    int e;
    o.sig[k] = frexp(i.x[k], e);
    o.e[k] = e;
    subgroupMemoryBarrierBuffer();
    subgroupBarrier();
    float w;
    o.fr[k] = modf(i.x[k], w);
    o.wh[k] = w;
    subgroupMemoryBarrier();
    if (k == 0) {
        ivec2 ev;
        o.vs = frexp(i.v, ev);
        o.ve = ev;
    }
}
