#version 450
// Draw tests (src/raster/draw/tests.rs): the position as given, a color and a flat tag through.
layout(location = 0) in vec4 pos;
layout(location = 1) in vec4 color;
layout(location = 2) in uint tag;
layout(location = 0) out vec4 v_color;
layout(location = 1) flat out uint v_tag;
void main() {
    gl_Position = pos;
    v_color = color;
    v_tag = tag;
}
