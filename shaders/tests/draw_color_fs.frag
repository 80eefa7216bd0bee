#version 450
// Draw tests (src/raster/draw/tests.rs): the interpolated color, alpha replaced by the flat tag.
layout(location = 0) in vec4 v_color;
layout(location = 1) flat in uint v_tag;
layout(location = 0) out vec4 o;
void main() {
    o = vec4(v_color.rgb, float(v_tag));
}
