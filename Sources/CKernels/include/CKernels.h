// Funnel's own SIMD kernels, for work where oneDNN needs several passes and a fused loop needs one.
// Each is compiled for AVX-512, AVX2 and baseline x86-64 and picked at load time (target_clones).
#ifndef FUNNEL_CKERNELS_H
#define FUNNEL_CKERNELS_H

// FReLU with a 3x3 window, y = max(x, a t + b), t = DWConv(x) + bias (bias may be NULL), on the
// channels-last image rows r0..<r1 of [N, H, W, C] (row r = n * H + h), C a multiple of 16,
// weights tap-major [9][C]. Sums are added to (Double, per channel, slot-major: sums[slot * C + c]).
// Those returning int return 0, or -1 when their scratch cannot be allocated.
//
// norm, when not NULL, is an input norm [a, mean, beta] (3 x C): x is then stored as z and read as
// x = a (z - mean) + beta (the batch norm before FReLU, whose output is never stored). res, when not
// NULL (only with norm), is a residual added after the norm: x = a (z - mean) + beta + res (a
// residual block's end, whose sum is never stored either).
//
// Forward, first pass: writes t; with sums, adds Σt and Σt² (slots 0, 1).
int funnel_frelu3x3_forward_rows(const float *x, const float *norm, const float *res, const float *weight, const float *bias, float *t,
                                 double *sums, long r0, long r1, long H, long W, long C);

// Forward, second pass: y = max(x, a t + b), coef = [a, b].
void funnel_frelu3x3_output_rows(const float *x, const float *norm, const float *res, const float *t, const float *coef, float *y,
                                 long r0, long r1, long W, long C);

// Backward, first pass, given g = dL/dy: adds Σ gT and Σ gT tHat (slots 0, 1), where gT is the
// condition's share of g (all where a t + b > x, half at ties) and tHat = (t - mean) invStd;
// coef = [a, b, mean, invStd].
int funnel_frelu3x3_backward_sums_rows(const float *g, const float *x, const float *t, const float *coef, double *sums,
                                       long r0, long r1, long W, long C);

// The first pass with an input norm: besides Σ gT and Σ gT tHat (slots 0, 1), the sums that the
// norm's own backward sums Σ dx and Σ dx zc (zc = z - mean1) follow from once gt's centring is
// known, so that the second pass can write the norm's input gradient at once: with gx = g - gT,
// u = DWConv(zc) (no bias, zero padding) and M = DWConv(1 inside the image): Σ gx, Σ gx zc,
// Σ gT u, Σ u, Σ tHat u, Σ gT M, Σ tHat M (slots 2-8). weight as backward_rows.
int funnel_frelu3x3_backward_norm_sums_rows(const float *g, const float *z, const float *norm, const float *res, const float *t,
                                            const float *weight, const float *coef, double *sums,
                                            long r0, long r1, long H, long W, long C);

// Backward, second pass: dx = g - gT + DWConvᵀ(gt) with gt = a (gT - centerG - tHat centerGTHat)
// (dx skipped when NULL), and adds Σ x ⊗ gt per tap (slots 0-8) and Σ gt (slot 9);
// coef = [a, b, mean, invStd, centerG, centerGTHat]. gt is never written to memory. With norm,
// dx receives the norm's input gradient instead, dz = a1 dx - k1 - (z - mean1) k2, with coef
// followed by [k1, k2] (from the sums of backward_norm_sums_rows); dres, when not NULL, receives dx
// itself (the residual's gradient). wide_registers picks the row loops' register blocks: for 32
// vector registers (1) or 16 (0); -1 for this CPU's (funnel_cpu_wide_registers). Either runs on
// any x86 CPU with the same results up to the last bit of dx.
int funnel_frelu3x3_backward_rows(const float *g, const float *x, const float *norm, const float *res, const float *t,
                                  const float *weight, const float *coef, float *dx, float *dres, double *sums,
                                  long r0, long r1, long H, long W, long C, int wide_registers);

// The logistic sigmoid s[i] = 1 / (1 + e^-z[i]) on the calling thread (sigmoid.c), within a few
// units in the last place of the float64 value; NaN stays NaN.
void funnel_sigmoid(const float *z, float *s, long count);

// DY-ReLU with two pieces on one sample's positions [P, C], C a multiple of 16; coefficients
// piece-major: a = [a0[C], a1[C]], b = [b0[C], b1[C]]. Forward: y = max(a0 x + b0, a1 x + b1).
void funnel_dyrelu2_forward(const float *x, const float *a, const float *b, float *y, long positions, long C);

// Backward given g = dL/dy: dx = g * (the winning piece's slope; ties to the first piece), and
// da[k * C + c] += Σ_p g x [piece k wins], db[k * C + c] += Σ_p g [piece k wins].
void funnel_dyrelu2_backward(const float *x, const float *g, const float *a, const float *b, float *dx,
                             float *da, float *db, long positions, long C);

// DY-ReLU with two pieces after a batch norm, on one sample's positions [P, C], C a multiple of
// 16: the activation's input is u = an (x - mean) + beta, plus s when it is not NULL (a residual),
// recomputed from the norm's input x; norm = [an, mean, beta] (backward: [an, mean, beta, k1, k2]).
// Forward: y = max(a0 u + b0, a1 u + b1), and when sums is not NULL, sums[c] += Σ_p y[p, c]. Outputs
// are streamed past the caches when chunk_bytes, the calling thread's share of them in bytes, is
// large (see vectors.h).
void funnel_dyrelu2_norm_forward(const float *x, const float *s, const float *norm, const float *a, const float *b,
                                 float *y, double *sums, long positions, long C, long chunk_bytes);

// Backward, first pass, given g = dL/dy, with gk the part of g that piece k passes (ties to the
// first): adds Σ g0, Σ g1, Σ g0 u, Σ g1 u, Σ g0 (x - mean), Σ g1 (x - mean) (slots 0-5 of C Doubles).
void funnel_dyrelu2_norm_sums(const float *x, const float *s, const float *g, const float *norm, const float *a,
                              const float *b, double *sums, long positions, long C);

// Backward, second pass: du = g0 a0 + g1 a1 + pooled (the gradient through the hyper function's
// average pooling, per channel), written to ds when it is not NULL; dx = an du - k1 - (x - mean) k2.
void funnel_dyrelu2_norm_backward(const float *x, const float *s, const float *g, const float *norm, const float *a,
                                  const float *b, const float *pooled, float *dx, float *ds, long positions, long C,
                                  long chunk_bytes);

// Batch norm over channels-last rows [rows, C], any C, on rows r0..<r1. Sums are added to
// (Double, slot-major: sums[slot * C + c]).
//
// Σ (x - shift) and Σ (x - shift)² (slots 0, 1): the moments, shifted by a per-channel constant
// near the mean so that the variance does not cancel.
void funnel_bn_moments_rows(const float *x, const float *shift, double *sums, long r0, long r1, long C);

// y = a (x - mean) + beta, plus residual when it is not NULL, then max(y, 0) when relu is not 0;
// coef = [a, mean, beta].
void funnel_bn_apply_rows(const float *x, const float *coef, const float *residual, float *y, int relu,
                          long r0, long r1, long C);

// Backward, first pass, given g = dL/dy: with g' = g (relu: g where y > 0, y read from out when
// it is not NULL, else recomputed from x), adds Σ g' and Σ g' (x - mean) (slots 0, 1);
// coef = [a, mean, beta].
void funnel_bn_backward_sums_rows(const float *g, const float *x, const float *out, const float *coef, int relu,
                                  double *sums, long r0, long r1, long C);

// Backward, second pass: dx = a g' - k1 - (x - mean) k2, and g' into passed when it is not NULL;
// coef = [a, mean, beta, k1, k2].
void funnel_bn_backward_rows(const float *g, const float *x, const float *out, const float *coef, int relu, float *dx,
                             float *passed, long r0, long r1, long C);

// The layout change of an [N, C, H, W] activation, C a multiple of 16, from channels-last
// ([N, H, W, C]) to 16-channel blocks ([N, C/16, H, W, 16], oneDNN's nChw16c) when to_blocks, else
// back, over positions q0..<q1 of the N x HW (q = n * HW + h * W + w). The output is streamed like
// the others (below).
void funnel_channel_blocks(const float *src, float *dst, int to_blocks, long q0, long q1, long HW, long C);

// Outputs whose chunk (one thread's part) has at least this many bytes are written past the caches
// (streaming stores, see vectors.h); 8 MB unless changed. Results are the same either way.
long funnel_stream_min_bytes_get(void);
void funnel_stream_min_bytes_set(long bytes);
// The same for outputs read back only after other passes (FReLU's t and a block end's residual
// gradient): 0 unless changed, so they stream whenever aligned.
long funnel_stream_read_later_min_bytes_get(void);
void funnel_stream_read_later_min_bytes_set(long bytes);

// A small fully connected layer on one thread (linear.c): x [N, I], w [O, I] (PyTorch's layout),
// b and db [O] or NULL, y and g [N, O], row-major. Each returns 0, or -1 when its scratch cannot be
// allocated.
int funnel_linear_forward(const float *x, const float *w, const float *b, float *y, long N, long I, long O);
int funnel_linear_backward_data(const float *g, const float *w, float *dx, long N, long I, long O);
int funnel_linear_backward_weights(const float *g, const float *x, float *dw, float *db, long N, long I, long O);

// 1 where the CPU has AVX-512's 32 vector registers, 0 where it has 16 (AVX2, baseline x86-64):
// the kernels' register blocks are sized by it (vectors.h, WIDE_REGISTERS).
int funnel_cpu_wide_registers(void);

// Runs 12 independent chains of 16-lane fused multiply-adds a <- a * multiplier + addend, each
// `iterations` long, chain k from a = start + k, in registers only; returns the sum of all 192
// final values.
// 12 * 16 * 2 * iterations floating-point operations.
float funnel_fma_chains(long iterations, float start, float multiplier, float addend);

// A 3x3 convolution, padding 1, stride 1 or 2, no bias, on channels-last [N, H, W, I] -> [N, OH, OW, O]
// for samples n0..<n1, O a multiple of 16 (conv3x3.c). Weights are packed first (funnel_conv3x3_pack,
// from Funnel's (o, ky, kx, i) into [O / 16][3][3][I][16], 9 I O floats). With accumulate, y += conv.
// Returns 0, or -1 when its scratch cannot be allocated.
void funnel_conv3x3_pack(const float *weight, float *packed, long I, long O);
int funnel_conv3x3_forward_samples(const float *x, const float *packed, float *y, long n0, long n1, long H, long W, long I, long O,
                                   long stride, int accumulate);

// A 1x1 convolution at stride 2, no padding or bias, on channels-last [N, H, W, I] -> [N, OH, OW, O],
// OH = (H + 1) / 2, OW = (W + 1) / 2, I and O multiples of 16 (conv1x1.c). Weights are packed first
// (funnel_conv1x1_pack from Funnel's (o, i): [O / 16][I][16], or with `transposed` [I / 16][O][16]
// for backward-data). Forward writes y for samples n0..<n1; backward-data writes dx (zero where no
// output pixel reads the input) from dy; the weight gradient takes `pieces` pieces of the batch as
// funnel_conv3x3_weight_sums_pieces does, each I O floats (Funnel's (o, i)), then added in order by
// funnel_conv_weight_pieces_sum.
void funnel_conv1x1_pack(const float *weight, float *packed, long I, long O, int transposed);
void funnel_conv1x1_forward_samples(const float *x, const float *packed, float *y, long n0, long n1, long H, long W, long I, long O);
void funnel_conv1x1_backward_data_samples(const float *dy, const float *packed, float *dx, long n0, long n1, long H, long W, long I, long O);
void funnel_conv1x1_weight_sums_pieces(const float *x, const float *dy, float *sums, long p0, long p1, long pieces, long N, long H, long W,
                                       long I, long O);
// The weight gradient of a 1x1 convolution at stride 1 without padding, [N, P, I] -> [N, P, O] (P
// pixels a sample), I and O multiples of 16, in pieces as above.
void funnel_conv1x1_weight_sums_stride1_pieces(const float *x, const float *dy, float *sums, long p0, long p1, long pieces, long N,
                                               long P, long I, long O);

// The weight gradient of that convolution, I a multiple of 16 and O of 8, in `pieces` pieces of the
// batch of N: piece p's sums over its samples N p / pieces ..< N (p + 1) / pieces overwritten into
// sums + p 9 I O (Funnel's (o, ky, kx, i)), for pieces p0..<p1; then dw = the sum of the `pieces`
// blocks of `count` floats (9 I O here), added in order (funnel_conv_weight_pieces_sum, also the 1x1
// kernel's; for the floats from..<to).
void funnel_conv3x3_weight_sums_pieces(const float *x, const float *dy, float *sums, long p0, long p1, long pieces, long N, long H,
                                       long W, long I, long O, long stride);
void funnel_conv_weight_pieces_sum(const float *sums, long pieces, long count, float *dw, long from, long to);

// Both gradients of such a convolution at stride 1 in one pass over the samples: for each sample of
// pieces p0..<p1, dx (overwritten, or added to with accumulate) as the forward of dy with the weights
// transposed and turned, packed for an O -> I forward (`packedT`), then its weight-gradient sums
// into the piece's as funnel_conv3x3_weight_sums_pieces does; each sample's dy is read from memory
// once for both. dx and the sums are bit for bit those of the two passes run apart. Returns 0, or
// -1 when its scratch cannot be allocated.
int funnel_conv3x3_backward_pieces(const float *x, const float *dy, const float *packedT, float *dx, int accumulate, float *sums, long p0,
                                   long p1, long pieces, long N, long H, long W, long I, long O);

// Winograd F(4x4, 3x3) for the same convolution at stride 1 (winograd4x3.c), I and O multiples of 16,
// H and W multiples of 4. Weights are transformed first (funnel_winograd4x3_pack, from Funnel's
// (o, ky, kx, i) into U [36][I][O], 36 I O floats, for the outputs from..<to, multiples of 16). The
// forward writes (or with accumulate adds to) y for samples n0..<n1; the weight gradient and both
// gradients take pieces of the batch as funnel_conv3x3_weight_sums_pieces and
// funnel_conv3x3_backward_pieces do (UT: the turned weights transformed for the O -> I forward, by
// funnel_winograd4x3_pack_turned). The results differ from the direct kernel's by rounding.
// Each returns 0, or -1 when its scratch cannot be allocated.
void funnel_winograd4x3_pack(const float *weight, float *U, long I, long O, long from, long to);
// The transform of the turned weights (the O -> I convolution whose forward is the input gradient,
// each filter flipped) straight from weight, into UT [36][O][I], for its outputs from..<to.
void funnel_winograd4x3_pack_turned(const float *weight, float *UT, long I, long O, long from, long to);
int funnel_winograd4x3_forward_samples(const float *x, const float *U, float *y, long n0, long n1, long H, long W, long I, long O,
                                       int accumulate);
int funnel_winograd4x3_weight_sums_pieces(const float *x, const float *dy, float *sums, long p0, long p1, long pieces, long N, long H,
                                          long W, long I, long O);
int funnel_winograd4x3_backward_pieces(const float *x, const float *dy, const float *UT, float *dx, int accumulate, float *sums, long p0,
                                       long p1, long pieces, long N, long H, long W, long I, long O);

#endif
