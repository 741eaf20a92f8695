// DY-ReLU with two pieces (the paper's default K = 2) over one sample, channels-last [P, C] with C a
// multiple of 16 (see DynamicReLUKernel.swift).
//
// Why C: per 16-channel block the four coefficient vectors and the four gradient sums stay in
// registers across all positions; the Swift loop kept the sums in memory and ran at a third of
// the memory bandwidth. Each position's channels are 16-wide vectors with FMA (AVX-512 where the
// CPU has it, via target_clones).
#include "CKernels.h"
#include "vectors.h"

CLONES
void funnel_dyrelu2_forward(const float *restrict x, const float *restrict a, const float *restrict b,
                            float *restrict y, long positions, long C) {
    for (long cb = 0; cb < C; cb += 16) {
        const v16 a0 = LD(a + cb), a1 = LD(a + C + cb), b0 = LD(b + cb), b1 = LD(b + C + cb);
        for (long p = 0; p < positions; p++) {
            const long o = p * C + cb;
            const v16 xv = LD(x + o), v0 = a0 * xv + b0, v1 = a1 * xv + b1;
            ST(y + o, SELECT(v1 > v0, v1, v0));
        }
    }
}

CLONES
void funnel_dyrelu2_backward(const float *restrict x, const float *restrict g, const float *restrict a,
                             const float *restrict b, float *restrict dx, float *restrict da, float *restrict db,
                             long positions, long C) {
    const v16 zero = {0};
    for (long cb = 0; cb < C; cb += 16) {
        const v16 a0 = LD(a + cb), a1 = LD(a + C + cb), b0 = LD(b + cb), b1 = LD(b + C + cb);
        v16 sa0 = zero, sa1 = zero, sb0 = zero, sb1 = zero;
        for (long p = 0; p < positions; p++) {
            const long o = p * C + cb;
            const v16 xv = LD(x + o), gv = LD(g + o);
            // The second piece wins only when strictly greater: ties go to the first, as torch.max.
            const v16 g1 = SELECT(a1 * xv + b1 > a0 * xv + b0, gv, zero), g0 = gv - g1;
            ST(dx + o, g0 * a0 + g1 * a1);
            sa0 += g0 * xv; sa1 += g1 * xv;
            sb0 += g0; sb1 += g1;
        }
        ST(da + cb, LD(da + cb) + sa0); ST(da + C + cb, LD(da + C + cb) + sa1);
        ST(db + cb, LD(db + cb) + sb0); ST(db + C + cb, LD(db + C + cb) + sb1);
    }
}
