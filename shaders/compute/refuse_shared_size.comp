#version 450
// 32 KiB + 4 bytes of shared memory: more than maxComputeSharedMemorySize (32768), refused at
// pipeline creation (VUID-RuntimeSpirv-Workgroup-06530).
layout(local_size_x = 1) in;
layout(std430, binding = 0) buffer O { uint o[]; } o;
shared uint big[8193];
void main() { big[8192] = 1u; o.o[0] = big[8192]; }
