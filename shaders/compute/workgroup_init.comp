#version 450
// Initializers: Workgroup variables with OpConstantNull (shaderZeroInitializeWorkgroupMemory,
// GL_EXT_null_initializer), a Private and a Function variable with constant initializers. Each
// workgroup's invocations add to the shared counter (starting from its initializer) after a
// barrier, so a counter not re-initialized for every workgroup would show the earlier sums.
#extension GL_EXT_null_initializer : enable
layout(local_size_x = 4) in;
layout(std430, binding = 0) buffer O { uint o[]; } o;
shared uint counter = {};
shared uint arr[3] = {};
const uint seven = 7u;
uint priv = seven;

void main() {
    uint fn_var = 11u;
    barrier();
    atomicAdd(counter, gl_LocalInvocationIndex + 1u);
    atomicAdd(arr[1], 1u);
    barrier();
    if (gl_LocalInvocationIndex == 0u) {
        o.o[gl_WorkGroupID.x * 4u] = counter;
        o.o[gl_WorkGroupID.x * 4u + 1u] = arr[0] + arr[1] * 100u + arr[2];
        o.o[gl_WorkGroupID.x * 4u + 2u] = priv;
        o.o[gl_WorkGroupID.x * 4u + 3u] = fn_var;
    }
}
