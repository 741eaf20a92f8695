// The machine's practical fp32 FMA peak: independent chains of 16-lane fused multiply-adds that
// never touch memory, so the figure is the FMA units' throughput alone (see FMAPeak.swift).
#include "CKernels.h"
#include "vectors.h"

CLONES
float funnel_fma_chains(long iterations, float start, float multiplier, float addend) {
    // Twelve chains: enough to cover an FMA's latency (4 cycles) on two ports with room to spare.
    const v16 m = (v16){0} + multiplier, c = (v16){0} + addend;
    // Chain k starts at start + k: distinct chains, which the compiler cannot fold into one.
    v16 a0 = (v16){0} + start, a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3, a4 = a0 + 4, a5 = a0 + 5;
    v16 a6 = a0 + 6, a7 = a0 + 7, a8 = a0 + 8, a9 = a0 + 9, a10 = a0 + 10, a11 = a0 + 11;
    for (long i = 0; i < iterations; i++) {
        a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c;
        a4 = a4 * m + c; a5 = a5 * m + c; a6 = a6 * m + c; a7 = a7 * m + c;
        a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;
    }
    const v16 s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    float total = 0;
    for (int k = 0; k < 16; k++) total += s[k];
    return total;
}
