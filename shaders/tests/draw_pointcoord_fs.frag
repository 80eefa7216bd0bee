#version 450
// Draw tests (src/raster/draw/tests.rs): gl_PointCoord and the flat tag.
layout(location = 1) flat in uint v_tag;
layout(location = 0) out vec4 o;
void main() {
    o = vec4(gl_PointCoord, 0.0, float(v_tag));
}
