#version 450
// The Vulkan memory model (#pragma use_vulkan_memory_model): message passing between
// workgroups through a coherent buffer with release/acquire atomics at device and queue-family
// scope (MakeAvailable/MakeVisible semantics, NonPrivatePointer/MakePointerAvailable/Visible
// memory operands), a volatile buffer, a coherent texel buffer (MakeTexelAvailable/Visible,
// NonPrivateTexel) and explicit memory and control barriers with availability/visibility
// semantics. Whatever order the workgroups run in, a reader that sees a flag must see the data
// written before it: `bad` counts violations and must stay 0.
#pragma use_vulkan_memory_model
#extension GL_KHR_memory_scope_semantics : enable
layout(local_size_x = 2) in;
layout(std430, binding = 0) coherent buffer D { uint data[8]; uint flag[8]; uint bad; } d;
layout(std430, binding = 1) volatile buffer V { uint v[8]; } vol;
layout(binding = 2, r32ui) coherent uniform uimageBuffer img;

void main() {
    uint g = gl_WorkGroupID.x;
    uint l = gl_LocalInvocationIndex;
    if (l == 0u) {
        d.data[g] = g * 3u + 1u;
        imageStore(img, int(g), uvec4(g + 100u));
        vol.v[g] = g + 50u;
        atomicStore(d.flag[g], 1u, gl_ScopeQueueFamily, gl_StorageSemanticsBuffer | gl_StorageSemanticsImage,
                    gl_SemanticsRelease | gl_SemanticsMakeAvailable);
    }
    controlBarrier(gl_ScopeWorkgroup, gl_ScopeWorkgroup, gl_StorageSemanticsBuffer,
                   gl_SemanticsAcquireRelease | gl_SemanticsMakeAvailable | gl_SemanticsMakeVisible);
    if (l == 1u) {
        uint p = g ^ 1u;
        uint seen = atomicLoad(d.flag[p], gl_ScopeDevice, gl_StorageSemanticsBuffer | gl_StorageSemanticsImage,
                               gl_SemanticsAcquire | gl_SemanticsMakeVisible);
        memoryBarrier(gl_ScopeDevice, gl_StorageSemanticsBuffer, gl_SemanticsAcquireRelease | gl_SemanticsMakeVisible);
        if (seen == 1u && (d.data[p] != p * 3u + 1u || imageLoad(img, int(p)).x != p + 100u)) {
            atomicAdd(d.bad, 1u, gl_ScopeDevice, gl_StorageSemanticsBuffer, gl_SemanticsRelaxed);
        }
    }
}
