// The machine's practical fp32 FMA peak: independent chains of 16-lane fused multiply-adds that
// never touch memory, so the figure is the FMA units' throughput alone (see FMAPeak.swift).
#include "CKernels.h"
#include "vectors.h"

// `chains` chains of `iterations` multiply-adds each, summed. Chain k starts at start + k: distinct
// chains, which the compiler cannot fold into one.
INLINE float chains_sum(long iterations, float start, float multiplier, float addend, const int chains) {
    const v16 m = (v16){0} + multiplier, c = (v16){0} + addend;
    v16 a[12];
    UNROLLED for (int k = 0; k < chains; k++) a[k] = (v16){0} + (start + (float)k);
    for (long i = 0; i < iterations; i++) UNROLLED for (int k = 0; k < chains; k++) a[k] = a[k] * m + c;
    v16 s = a[0];
    UNROLLED for (int k = 1; k < chains; k++) s += a[k];
    float total = 0;
    for (int k = 0; k < 16; k++) total += s[k];
    return total;
}

CLONES
float funnel_fma_chains(long iterations, float start, float multiplier, float addend) {
    // Twelve chains: enough to cover an FMA's latency (4 cycles) on two ports with room to spare.
    // With AVX2's 16 registers, twelve 16-lane chains spilled (the peak read 150-158 GFLOPS on two
    // Zen 3 cores, 183-205 in halves): there they run as two halves of six, one after the other.
    if (WIDE_REGISTERS()) return chains_sum(iterations, start, multiplier, addend, 12);
    return chains_sum(iterations, start, multiplier, addend, 6) + chains_sum(iterations, start + 6, multiplier, addend, 6);
}
