#version 450
// Graphics tests (tests/tests/draw.rs): derivatives of values computed in divergent control
// flow, a branch and a loop whose trip count varies by pixel. Helper invocations at a
// triangle's edges run them too, so every covered pixel gets dFdx(t) = 0.25 and
// dFdy(u) = 0.125 (rows of a quad: y even and odd).
layout(location = 0) in vec4 v_color;
layout(location = 0) out vec4 o;
void main() {
    float t = 0.0;
    if (gl_FragCoord.x > 0.0) {
        t = gl_FragCoord.x * 0.25;
    }
    float u = 0.0;
    int n = int(gl_FragCoord.y) & 3;
    for (int i = 0; i <= n; i++) {
        u += 0.125;
    }
    o = vec4(dFdx(t), dFdy(u), v_color.b, 1.0);
}
