#version 450
// Not a compute shader: refused (its Geometry capability already at module creation).
layout(points) in;
layout(points, max_vertices = 1) out;
void main() { gl_Position = vec4(0.0); EmitVertex(); }
