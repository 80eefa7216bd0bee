#version 450
#extension GL_EXT_demote_to_helper_invocation : require
#extension GL_KHR_shader_subgroup_ballot : require
#extension GL_KHR_shader_subgroup_quad : require
// Helper invocations (src/shader/tests.rs: helper_lanes_execute_but_leave_memory_alone): they
// run divergent branches and loops like the covered lanes, so derivatives of values computed
// there are right in partly covered quads; demoted lanes go on the same way; neither stores
// to a buffer, counts in an atomic or takes part in a non-quad group operation, while quad
// operations read them.
layout(location = 0) in float x;
layout(set = 0, binding = 0) buffer Out {
    uint count;
    uint ballots;
    uint seen[];
} o;
layout(location = 0) out vec4 color;
layout(location = 1) out vec4 quad;
void main() {
    // x > 0 on every lane, but the branch is divergent to the compiler.
    float t = 0.0;
    if (x > 0.0) {
        t = x * 3.0;
    }
    // A trip count per lane: int(x) & 3 + 1 iterations.
    float u = 0.0;
    int n = int(x) & 3;
    for (int i = 0; i <= n; i++) {
        u += 1.0;
    }
    if (x > 16.0 && x < 17.0) {
        demote;
    }
    float w = 0.0;
    if (x > 0.0) {
        w = x * 5.0;
    }
    o.seen[int(x)] = 1u;
    atomicAdd(o.count, 1u);
    uvec4 b = subgroupBallot(true);
    if (subgroupElect()) {
        atomicAdd(o.ballots, subgroupBallotBitCount(b));
    }
    color = vec4(dFdx(t), dFdy(t), dFdx(u) + 10.0 * dFdy(u), dFdx(w));
    quad = vec4(subgroupQuadSwapHorizontal(t), subgroupQuadBroadcast(u, 3), 0.0, 1.0);
}
