// Batch normalisation over channels-last rows [rows, C] (rows = N*H*W), any C: 16-channel blocks
// as vectors, the rest channel by channel (see CKernels.h and BatchNormKernel.swift).
//
// Why our own: oneDNN's channels-last batch norm reads its input three times in training (mean,
// then variance, then the output). These take the moments in one pass (sums of values shifted by a
// per-channel constant keep the variance accurate). The optional ReLU on the output is recomputed
// in backward from x (its sign is that of the same expression), so no mask is stored. Large outputs
// are streamed past the caches (vectors.h).
#include <stddef.h>
#include "CKernels.h"
#include "vectors.h"


// Rows per block of the reductions: about 16 KB of x, so a block is read from L1 for each
// 16-channel block after the first. Sums stay in Float for FLUSH_ROWS rows, then go to Double.
static inline long block_rows(long C) { return C >= 512 ? 8 : 4096 / C > 256 ? 256 : 4096 / C; }
#define FLUSH_ROWS 256

// Adds the Float sums of the 16-channel blocks (two slots of nb blocks) to the Double totals and
// clears them.
static inline __attribute__((always_inline)) void flush(v16 *acc, long nb, long C, double *restrict sums) {
    for (long k = 0; k < nb; k++)
        for (int i = 0; i < 16; i++) {
            sums[k * 16 + i] += acc[k][i];
            sums[C + k * 16 + i] += acc[nb + k][i];
        }
    for (long k = 0; k < 2 * nb; k++) acc[k] = (v16){0};
}

// y = a (x - mean) + beta (+ residual, when not NULL), then max(y, 0) with relu; coef = [a, mean,
// beta]. (Centring first keeps y accurate when the mean is large against the spread, where
// a x + b would cancel.)
CLONES
void funnel_bn_apply_rows(const float *restrict x, const float *restrict coef, const float *restrict residual,
                          float *restrict y, int relu, long r0, long r1, long C) {
    const float *a = coef, *m = coef + C, *beta = coef + 2 * C;
    const long blocked = C / 16 * 16;
    const int stream = C % 16 == 0 && STREAMS(y, (r1 - r0) * C * (long)sizeof(float));
    for (long row = r0; row < r1; row++) {
        const long o = row * C;
        for (long cb = 0; cb < blocked; cb += 16) {
            v16 v = AFFINE(LD(a + cb), LD(x + o + cb) - LD(m + cb), LD(beta + cb));
            if (residual) v += LD(residual + o + cb);
            if (relu) v = SELECT(v > (v16){0}, v, (v16){0});
            STREAM(y + o + cb, v, stream);
        }
        for (long c = blocked; c < C; c++) {
            float v = AFFINE(a[c], x[o + c] - m[c], beta[c]);
            if (residual) v += residual[o + c];
            y[o + c] = relu && !(v > 0) ? 0 : v;
        }
    }
    STREAM_FENCE();
}

// The gradient that reaches the norm's output at offset o: g, or with relu g where the output is
// positive: read from out when it is given (a residual was added, so x alone does not say),
// else recomputed from x as in the forward pass.
#define PASSED(o, av, xv, m, bv)                                                                              \
    (!relu ? LD(g + (o))                                                                                       \
           : SELECT((out ? LD(out + (o)) : AFFINE(av, (xv) - (m), bv)) > (v16){0}, LD(g + (o)), (v16){0}))
#define PASSED1(o, av, xv, m, bv) (relu && !((out ? out[o] : AFFINE(av, (xv) - (m), bv)) > 0) ? 0 : g[o])

// What a reduction sums per channel, two terms per element: the moments (x - shift and its
// square; coef = shift) or backward's sums (g' and g' (x - mean); coef = [a, mean, beta]).
enum sums_kind { MOMENTS, GRADIENT_SUMS };

static inline __attribute__((always_inline)) void terms(enum sums_kind kind, const float *restrict g, const float *restrict x,
                                                        const float *restrict out, const float *restrict coef, int relu,
                                                        long o, long cb, long C, v16 *first, v16 *second) {
    if (kind == MOMENTS) {
        const v16 u = LD(x + o) - LD(coef + cb);
        *first = u; *second = u * u;
    } else {
        const v16 xv = LD(x + o), m = LD(coef + C + cb);
        const v16 gv = PASSED(o, LD(coef + cb), xv, m, LD(coef + 2 * C + cb));
        *first = gv; *second = gv * (xv - m);
    }
}

static inline __attribute__((always_inline)) void terms1(enum sums_kind kind, const float *restrict g, const float *restrict x,
                                                         const float *restrict out, const float *restrict coef, int relu,
                                                         long o, long c, long C, float *first, float *second) {
    if (kind == MOMENTS) {
        const float u = x[o] - coef[c];
        *first = u; *second = u * u;
    } else {
        const float xv = x[o], m = coef[C + c], gv = PASSED1(o, coef[c], xv, m, coef[2 * C + c]);
        *first = gv; *second = gv * (xv - m);
    }
}

// Adds the two terms' sums over rows r0..<r1 to sums (slots 0, 1): block of rows by block of
// rows, each 16-channel block summed over the block's rows in registers (two rows at a time).
static inline __attribute__((always_inline)) void channel_sums(enum sums_kind kind, const float *restrict g, const float *restrict x,
                                                               const float *restrict out, const float *restrict coef, int relu,
                                                               double *restrict sums,
                                                               long r0, long r1, long C) {
    const long blocked = C / 16 * 16, nb = C / 16, step = block_rows(C);
    v16 acc[2 * nb + 1];
    for (long k = 0; k < 2 * nb; k++) acc[k] = (v16){0};
    for (long r = r0, pending = 0; r < r1; r += step) {
        const long end = MIN(r1, r + step);
        for (long cb = 0; cb < blocked; cb += 16) {
            v16 s0 = {0}, s1 = {0}, q0 = {0}, q1 = {0}, f, t;
            long row = r;
            for (; row + 1 < end; row += 2) {
                terms(kind, g, x, out, coef, relu, row * C + cb, cb, C, &f, &t); s0 += f; q0 += t;
                terms(kind, g, x, out, coef, relu, (row + 1) * C + cb, cb, C, &f, &t); s1 += f; q1 += t;
            }
            if (row < end) { terms(kind, g, x, out, coef, relu, row * C + cb, cb, C, &f, &t); s0 += f; q0 += t; }
            acc[cb / 16] += s0 + s1; acc[nb + cb / 16] += q0 + q1;
        }
        pending += end - r;
        if (pending >= FLUSH_ROWS || end == r1) { flush(acc, nb, C, sums); pending = 0; }
        for (long c = blocked; c < C; c++) {
            float s = 0, q = 0, f, t;
            for (long row = r; row < end; row++) { terms1(kind, g, x, out, coef, relu, row * C + c, c, C, &f, &t); s += f; q += t; }
            sums[c] += s; sums[C + c] += q;
        }
    }
}

CLONES
void funnel_bn_moments_rows(const float *restrict x, const float *restrict shift, double *restrict sums,
                            long r0, long r1, long C) {
    channel_sums(MOMENTS, NULL, x, NULL, shift, 0, sums, r0, r1, C);
}

// Backward, first pass: adds Σ g' (slot 0) and Σ g' (x - mean) (slot 1); coef = [a, mean, beta].
CLONES
void funnel_bn_backward_sums_rows(const float *restrict g, const float *restrict x, const float *restrict out,
                                  const float *restrict coef, int relu, double *restrict sums, long r0, long r1, long C) {
    channel_sums(GRADIENT_SUMS, g, x, out, coef, relu, sums, r0, r1, C);
}

// Backward, second pass: dx = a g' - k1 - (x - mean) k2, and g' into passed when it is not NULL (the
// gradient of a residual added before the ReLU); coef = [a, mean, beta, k1, k2].
CLONES
void funnel_bn_backward_rows(const float *restrict g, const float *restrict x, const float *restrict out,
                             const float *restrict coef, int relu, float *restrict dx, float *restrict passed,
                             long r0, long r1, long C) {
    const float *a = coef, *mean = coef + C, *beta = coef + 2 * C, *k1 = coef + 3 * C, *k2 = coef + 4 * C;
    const long blocked = C / 16 * 16;
    const long bytes = (r1 - r0) * C * (long)sizeof(float);
    const int stream = C % 16 == 0 && STREAMS(dx, bytes) && (!passed || STREAMS(passed, bytes));
    for (long row = r0; row < r1; row++) {
        const long o = row * C;
        for (long cb = 0; cb < blocked; cb += 16) {
            const v16 av = LD(a + cb), xv = LD(x + o + cb), m = LD(mean + cb), gv = PASSED(o + cb, av, xv, m, LD(beta + cb));
            STREAM(dx + o + cb, av * gv - LD(k1 + cb) - (xv - m) * LD(k2 + cb), stream);
            if (passed) STREAM(passed + o + cb, gv, stream);
        }
        for (long c = blocked; c < C; c++) {
            const float xv = x[o + c], gv = PASSED1(o + c, a[c], xv, mean[c], beta[c]);
            dx[o + c] = a[c] * gv - k1[c] - (xv - mean[c]) * k2[c];
            if (passed) passed[o + c] = gv;
        }
    }
    STREAM_FENCE();
}
