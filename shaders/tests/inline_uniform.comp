#version 450
// Two inline uniform blocks (set 0, bindings 0 and 1) copied word by word into a storage
// buffer (binding 2): tests/tests/inline_uniform.rs checks every byte the descriptor updates
// put there.
layout(local_size_x = 1) in;

layout(set = 0, binding = 0) uniform A {
    uvec4 a[4];
};
layout(set = 0, binding = 1) uniform B {
    uvec4 b[2];
};
layout(set = 0, binding = 2) buffer Out {
    uint o[];
};

void main() {
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            o[i * 4 + j] = a[i][j];
        }
    }
    for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 4; j++) {
            o[16 + i * 4 + j] = b[i][j];
        }
    }
}
