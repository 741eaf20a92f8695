// FReLU's depthwise 3x3 convolution with its neighbouring passes fused in (see CKernels.h).
//
// Why C: the loops need 16-wide vectors with FMA and a fully unrolled 3x3 window whose nine weight
// vectors stay in registers; clang's target_clones builds AVX-512, AVX2 and baseline versions and
// the loader picks one. Positions on the image border take a clipped-window path. Per-channel sums
// collect in Float over a few rows (in registers along a row) before they go to Double.
#include "CKernels.h"
#include "vectors.h"

// Float sums run over this many image rows before they are added to the Double totals.
#define FLUSH_ROWS 8
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define WEIGHTS(wb, C)                                                                                 \
    const v16 w0 = LD(wb), w1 = LD(wb + C), w2 = LD(wb + 2 * C), w3 = LD(wb + 3 * C), w4 = LD(wb + 4 * C), \
              w5 = LD(wb + 5 * C), w6 = LD(wb + 6 * C), w7 = LD(wb + 7 * C), w8 = LD(wb + 8 * C)

CLONES
void funnel_depthwise3x3_forward_rows(const float *restrict x, const float *restrict weight, const float *restrict bias,
                                      float *restrict t, double *restrict sums, long r0, long r1, long H, long W, long C) {
    const long rs = W * C, blocks = C / 16;
    v16 acc2[blocks][2];  // per block: Σt, Σt² in Float since the last flush
    for (long k = 0; k < blocks; k++) acc2[k][0] = acc2[k][1] = (v16){0};
    for (long r = r0; r < r1; r++) {
        const long n = r / H, h = r % H;
        // Window rows inside the image: input row h + i - 1 for tap row i.
        const long iLo = MAX(0, 1 - h), iHi = MIN(3, H + 1 - h);
        const int fullRows = iLo == 0 && iHi == 3;
        for (long cb = 0; cb < C; cb += 16) {
            const float *wb = weight + cb;
            WEIGHTS(wb, C);
            const v16 b = bias ? LD(bias + cb) : (v16){0};
            v16 s = acc2[cb / 16][0], q = acc2[cb / 16][1];
            // Offset of the top-left input of output (h, 0)'s window. It may lie outside the tensor, so
            // it stays an integer: a pointer is formed only for elements that are read (C forbids
            // even forming one outside the array).
            const long rowOrigin = ((n * H + h - 1) * W - 1) * C + cb;
            float *out = t + r * rs + cb;
            for (long w = 0; w < W; w++) {
                const long o = rowOrigin + w * C;
                v16 acc = b;
                if (fullRows && w > 0 && w < W - 1) {
                    acc += LD(x + o) * w0 + LD(x + (o + C)) * w1 + LD(x + (o + 2 * C)) * w2
                         + LD(x + (o + rs)) * w3 + LD(x + (o + rs + C)) * w4 + LD(x + (o + rs + 2 * C)) * w5
                         + LD(x + (o + 2 * rs)) * w6 + LD(x + (o + 2 * rs + C)) * w7 + LD(x + (o + 2 * rs + 2 * C)) * w8;
                } else {
                    const long jLo = MAX(0, 1 - w), jHi = MIN(3, W + 1 - w);
                    for (long i = iLo; i < iHi; i++)
                        for (long j = jLo; j < jHi; j++) acc += LD(x + (o + i * rs + j * C)) * LD(wb + (i * 3 + j) * C);
                }
                ST(out + w * C, acc);
                s += acc;
                q += acc * acc;
            }
            acc2[cb / 16][0] = s;
            acc2[cb / 16][1] = q;
        }
        if (sums && ((r - r0) % FLUSH_ROWS == FLUSH_ROWS - 1 || r == r1 - 1)) {
            for (long k = 0; k < blocks; k++) {
                for (int c = 0; c < 16; c++) { sums[k * 16 + c] += acc2[k][0][c]; sums[C + k * 16 + c] += acc2[k][1][c]; }
                acc2[k][0] = acc2[k][1] = (v16){0};
            }
        }
    }
}

CLONES
void funnel_depthwise3x3_backward_rows(const float *restrict x, const float *restrict gt, const float *restrict weight,
                                       float *restrict dx, double *restrict sums, long r0, long r1, long H, long W, long C) {
    const long rs = W * C, blocks = C / 16;
    v16 acc10[blocks][10];  // per block: Σ x·g per tap and Σ g, in Float since the last flush
    for (long k = 0; k < blocks; k++) for (int i = 0; i < 10; i++) acc10[k][i] = (v16){0};
    for (long r = r0; r < r1; r++) {
        const long n = r / H, h = r % H;
        // Input (h, w) meets tap (i, j) at output (h - i + 1, w - j + 1): tap rows with that output inside.
        const long iLo = MAX(0, h + 2 - H), iHi = MIN(3, h + 2);
        const int fullRows = iLo == 0 && iHi == 3;
        for (long cb = 0; cb < C; cb += 16) {
            const float *wb = weight + cb;
            WEIGHTS(wb, C);
            v16 *a = acc10[cb / 16];
            // The tap sums stay in registers along the row; border positions add to a[] directly.
            v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0}, a8 = {0}, ab = {0};
            for (long w = 0; w < W; w++) {
                const long at = (r * W + w) * C + cb;
                const v16 xv = LD(x + at);
                // Offset of output (h + 1, w + 1): tap (0, 0)'s; tap (i, j) reads i rows and j columns
                // before it. It may lie past the tensor, so it stays an integer (see forward).
                const long o = ((n * H + h + 1) * W + w + 1) * C + cb;
                v16 d = dx ? LD(dx + at) : (v16){0};
                if (fullRows && w > 0 && w < W - 1) {
                    v16 g;
                    g = LD(gt + o);                    d += g * w0; a0 += xv * g;
                    g = LD(gt + (o - C));              d += g * w1; a1 += xv * g;
                    g = LD(gt + (o - 2 * C));          d += g * w2; a2 += xv * g;
                    g = LD(gt + (o - rs));             d += g * w3; a3 += xv * g;
                    g = LD(gt + (o - rs - C));         d += g * w4; a4 += xv * g;
                    g = LD(gt + (o - rs - 2 * C));     d += g * w5; a5 += xv * g;
                    g = LD(gt + (o - 2 * rs));         d += g * w6; a6 += xv * g;
                    g = LD(gt + (o - 2 * rs - C));     d += g * w7; a7 += xv * g;
                    g = LD(gt + (o - 2 * rs - 2 * C)); d += g * w8; a8 += xv * g;
                } else {
                    const long jLo = MAX(0, w + 2 - W), jHi = MIN(3, w + 2);
                    for (long i = iLo; i < iHi; i++)
                        for (long j = jLo; j < jHi; j++) {
                            const v16 g = LD(gt + (o - i * rs - j * C));
                            d += g * LD(wb + (i * 3 + j) * C);
                            a[i * 3 + j] += xv * g;
                        }
                }
                if (dx) ST(dx + at, d);
                ab += LD(gt + at);
            }
            a[0] += a0; a[1] += a1; a[2] += a2; a[3] += a3; a[4] += a4;
            a[5] += a5; a[6] += a6; a[7] += a7; a[8] += a8; a[9] += ab;
        }
        if ((r - r0) % FLUSH_ROWS == FLUSH_ROWS - 1 || r == r1 - 1) {
            for (long k = 0; k < blocks; k++)
                for (int i = 0; i < 10; i++) {
                    for (int c = 0; c < 16; c++) sums[i * C + k * 16 + c] += acc10[k][i][c];
                    acc10[k][i] = (v16){0};
                }
        }
    }
}
