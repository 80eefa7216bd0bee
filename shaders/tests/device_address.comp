#version 450
// Loader test (tests/tests/device_address.rs): buffer device addresses through
// GL_EXT_buffer_reference (+ uvec2 addresses, no 64-bit integers).
//   mode 0: walk a linked list whose head pointer is a push constant; nodes hold 8-byte
//           `next` pointers in memory; writes sum, count and each node's address.
//   mode 1: arrays and pointer arithmetic: element `id` read through an array member
//           (Words.w[id]) and through an address advanced by 4*id (uvec2 arithmetic with
//           carry), then written back through a pointer kept in a function variable.
//   mode 2: atomics through a pointer; each invocation records the old value.
//   mode 3: one probe: read the word at `addr` and try to overwrite it.
//   mode 4: pointers as values: store the head pointer into a node's `next` and compare.
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_buffer_reference_uvec2 : require
layout(local_size_x = 64) in;

layout(buffer_reference) buffer Node;
layout(buffer_reference, std430, buffer_reference_align = 8) buffer Node {
    Node next;
    uint value;
};
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Word {
    uint v;
};
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Words {
    uint w[];
};

layout(push_constant) uniform P {
    Node head;
    uvec2 addr;
    uint mode;
    uint n;
} pc;

layout(set = 0, binding = 0, std430) buffer Out {
    uint data[];
} o;

uvec2 advance(uvec2 a, uint bytes) {
    uint carry;
    uint lo = uaddCarry(a.x, bytes, carry);
    return uvec2(lo, a.y + carry);
}

void main() {
    uint id = gl_GlobalInvocationID.x;
    if (pc.mode == 0u) {
        if (id != 0u) return;
        uint sum = 0u, count = 0u;
        Node node = pc.head;
        while (uvec2(node) != uvec2(0) && count < 1000u) {
            sum += node.value;
            o.data[2 + 2 * count] = uvec2(node).x;
            o.data[3 + 2 * count] = uvec2(node).y;
            count++;
            node = node.next;
        }
        o.data[0] = sum;
        o.data[1] = count;
    } else if (pc.mode == 1u) {
        if (id >= pc.n) return;
        Words arr = Words(pc.addr);
        Word p = Word(advance(pc.addr, 4u * id));
        o.data[2 * id] = arr.w[id];
        o.data[2 * id + 1] = p.v;
        p.v = p.v * 3u + 1u;
    } else if (pc.mode == 2u) {
        Word c = Word(pc.addr);
        o.data[id] = atomicAdd(c.v, 1u);
    } else if (pc.mode == 3u) {
        if (id != 0u) return;
        Word w = Word(pc.addr);
        o.data[0] = w.v;
        w.v = 0xDEADu;
        o.data[1] = atomicAdd(w.v, 5u);
    } else {
        if (id != 0u) return;
        Node head = pc.head;
        head.next.next = head;
        o.data[0] = uint(uvec2(head.next.next) == uvec2(head));
        o.data[1] = head.next.next.value;
    }
}
