#version 450
// Loader test (tests/tests/pipeline_cache.rs): one program, many specializations. Each writes
// values that depend on its constant K (a pipeline linked from another specialization's cache
// entry would show), through a loop (the fuel check: a call between the kernel's own
// functions) and sin() (a call into the runtime).
layout(local_size_x = 64) in;
layout(constant_id = 0) const uint K = 0u;
layout(set = 0, binding = 0, std430) writeonly buffer Out { uint hash[]; } outb;
layout(set = 0, binding = 1, std430) writeonly buffer Wave { float wave[]; } waveb;
layout(push_constant) uniform P { uint n; } pc;
void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i >= pc.n) {
        return;
    }
    uint x = i * 2654435761u + K;
    for (uint r = 0u; r < 4u + K % 5u; r++) {
        x ^= x >> 13u;
        x *= 0x5bd1e995u;
        x ^= x >> 15u;
    }
    outb.hash[i] = x + K * 0x9E3779B9u;
    waveb.wave[i] = sin(float(i) * 0.01 * float(K + 1u));
}
