// Funnel's own SIMD kernels, for work where oneDNN needs several passes and a fused loop needs one.
// Each is compiled for AVX-512, AVX2 and baseline x86-64 and picked at load time (target_clones).
#ifndef FUNNEL_CKERNELS_H
#define FUNNEL_CKERNELS_H

// Depthwise 3x3 convolution, stride 1, padding 1, on channels-last data [N, H, W, C] with C a
// multiple of 16, over the image rows r0..<r1 (row r = n * H + h). Weights are tap-major: [9][C].

// t = DWConv(x) + bias (bias may be NULL). With sums non-NULL, adds per-channel Σt to sums[0..<C]
// and Σt² to sums[C..<2C].
void funnel_depthwise3x3_forward_rows(const float *x, const float *weight, const float *bias, float *t,
                                      double *sums, long r0, long r1, long H, long W, long C);

// Backward of the above given gt = dL/dt, in one pass over the input rows r0..<r1:
// dx += DWConvᵀ(gt) (skipped when dx is NULL); sums[tap * C + c] += Σ x ⊗ gt per tap (9 slots),
// sums[9 * C + c] += Σ gt (the bias gradient).
void funnel_depthwise3x3_backward_rows(const float *x, const float *gt, const float *weight, float *dx,
                                       double *sums, long r0, long r1, long H, long W, long C);

// DY-ReLU with two pieces on one sample's positions [P, C], C a multiple of 16; coefficients
// piece-major: a = [a0[C], a1[C]], b = [b0[C], b1[C]]. Forward: y = max(a0 x + b0, a1 x + b1).
void funnel_dyrelu2_forward(const float *x, const float *a, const float *b, float *y, long positions, long C);

// Backward given g = dL/dy: dx = g * (the winning piece's slope; ties to the first piece), and
// da[k * C + c] += Σ_p g x [piece k wins], db[k * C + c] += Σ_p g [piece k wins].
void funnel_dyrelu2_backward(const float *x, const float *g, const float *a, const float *b, float *dx,
                             float *da, float *db, long positions, long C);

// Runs 12 independent chains of 16-lane fused multiply-adds a <- a * multiplier + addend, each
// `iterations` long, chain k from a = start + k, in registers only; returns the sum of all 192
// final values.
// 12 * 16 * 2 * iterations floating-point operations.
float funnel_fma_chains(long iterations, float start, float multiplier, float addend);

#endif
