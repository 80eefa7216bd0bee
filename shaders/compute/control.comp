#version 450
// Control flow: loops with break/continue, nested ifs, switch with fallthrough, early return,
// functions with in/out parameters, a function-memory array with dynamic indices.
layout(local_size_x = 8) in;
layout(set = 0, binding = 0) buffer Out { int r[]; } o;

struct Pair { int a; float b; };

int collatz(int n) {
    int steps = 0;
    while (n != 1) {
        if (steps > 1000) break;
        if ((n & 1) == 0) { n /= 2; } else { n = 3 * n + 1; }
        steps++;
    }
    return steps;
}

void swap(inout int x, inout int y) { int t = x; x = y; y = t; }

int classify(int v) {
    if (v < 0) return -1;
    if (v == 0) return 0;
    if (v > 100) {
        if (v > 1000) return 3;
        return 2;
    }
    return 1;
}

Pair make(int i) { Pair p; p.a = i * 2; p.b = float(i) * 0.5; return p; }

void main() {
    int id = int(gl_GlobalInvocationID.x);
    int base = id * 8;
    o.r[base + 0] = collatz(id + 1);
    int s = 0;
    for (int k = 0; k < 10; k++) {
        if (k == id) continue;
        if (k > 7) break;
        s += k;
    }
    o.r[base + 1] = s;
    int sw = 0;
    switch (id) {
        case 0: sw = 10; break;
        case 1:
        case 2: sw = 20; break;
        case 3: sw = 30;
        case 4: sw += 40; break;
        default: sw = -1;
    }
    o.r[base + 2] = sw;
    int x = id, y = 100;
    swap(x, y);
    o.r[base + 3] = x * 1000 + y;
    o.r[base + 4] = classify(id * id * id * 3 - 1);
    int arr[8];
    for (int k = 0; k < 8; k++) arr[k] = k * k;
    int idx = (id * 5) % 8;
    arr[idx] += 1000;
    o.r[base + 5] = arr[idx] + arr[(idx + 1) % 8];
    Pair p = make(id);
    o.r[base + 6] = p.a + int(p.b * 10.0);
    int d = 0;
    do { d += 3; } while (d < id * 2);
    o.r[base + 7] = d;
    if (id == 7) return;
    o.r[64 + id] = 1;
}
