#version 450
// Loader test (tests/tests/compute.rs): with `forever` set, a loop that never ends. The driver
// must stop it (time limit, or the device going away) instead of hanging the application.
layout(local_size_x = 4) in;
layout(set = 0, binding = 0, std430) buffer B { uint d[]; } b;
layout(push_constant) uniform P { uint forever; } pc;
void main() {
    uint i = 0u;
    while (pc.forever != 0u || i < 10u) {
        i++;
    }
    b.d[gl_GlobalInvocationID.x] = i;
}
