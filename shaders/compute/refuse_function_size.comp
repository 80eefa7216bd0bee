#version 450
// 16 MiB + 4 bytes of Function memory in one invocation: more than the compiler's 16 MiB per
// invocation, refused at pipeline creation with a message.
layout(local_size_x = 1) in;
layout(std430, binding = 0) buffer O { uint o[]; } o;
void main() {
    uint big[4194305];
    big[o.o[0]] = 1u;
    o.o[1] = big[o.o[0]];
}
