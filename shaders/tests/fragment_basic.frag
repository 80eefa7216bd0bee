#version 450
// A fragment shader through the stage interface (src/shader/tests.rs: fragment shaders):
// interpolated and flat inputs, discard, fine and coarse derivatives, FragCoord, FrontFacing,
// HelperInvocation, FragDepth and outputs at locations 0-2.
layout(location = 0) in vec2 uv;
layout(location = 1) flat in uint tag;
layout(location = 0) out vec4 color;
layout(location = 1) out uvec2 info;
layout(location = 2) out vec2 coarse;
void main() {
    if (tag == 7u) {
        discard;
    }
    vec2 fc = gl_FragCoord.xy;
    color = vec4(uv * 2.0, dFdx(uv.x) + dFdy(uv.y) * 10.0, fwidth(uv.x * uv.y));
    info = uvec2(gl_FrontFacing ? 1u : 2u,
                 uint(fc.x) + 1000u * uint(fc.y) + (gl_HelperInvocation ? 1000000u : 0u));
    coarse = vec2(dFdxCoarse(uv.y), dFdyCoarse(uv.x));
    gl_FragDepth = fc.x * 0.01;
}
