#version 450
// Specialization constants: local_size_x_id, scalar/bool constants, spec-constant ops
// (array size, arithmetic, select), and a default left unspecialized.
layout(local_size_x_id = 0, local_size_y = 1) in;
layout(constant_id = 1) const int K = 3;
layout(constant_id = 2) const bool FLAG = false;
layout(constant_id = 3) const float F = 1.0;
layout(constant_id = 4) const uint UNSET = 7u;
const int N = K * 2 + 1;
const int SEL = FLAG ? 100 : 200;
layout(set = 0, binding = 0) buffer Out { int r[]; } o;
void main() {
    int arr[N];
    for (int i = 0; i < N; i++) arr[i] = i;
    uint id = gl_GlobalInvocationID.x;
    if (id == 0u) {
        o.r[0] = N;
        o.r[1] = SEL;
        o.r[2] = floatBitsToInt(F);
        o.r[3] = int(UNSET);
        o.r[4] = arr[N - 1];
        o.r[5] = int(gl_WorkGroupSize.x);
        o.r[6] = K << 2;
    }
    o.r[8 + id] = int(id);
}
