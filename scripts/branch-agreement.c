// Checks that batch norm's fused ReLU and DY-ReLU-B's fused norm passes decide each element's
// branch alike forward and backward when compiled for release, as scripts/frelu3x3-harness.c
// `agree` does for FReLU (see AFFINE in Sources/CKernels/vectors.h). Each backward pass recomputes
// the activation's input from the norm's input, so a last-bit difference between passes would send
// a near-tie's gradient down the other branch. ReleaseAgreementTests runs it.
//
// Build (SwiftPM's C flags for the release build), from the repository root:
//   clang -O2 -fblocks -fPIC -fno-omit-frame-pointer -ISources/CKernels/include -ISources/CKernels \
//     scripts/branch-agreement.c Sources/CKernels/batchnorm.c Sources/CKernels/dyrelu2.c Sources/CKernels/streaming.c -lm -o /tmp/branch-agreement
// Run: /tmp/branch-agreement   exits 1, naming the kernel and the shape, if any element's branch differed.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "CKernels.h"

static float uniform(float lo, float hi) { return lo + (hi - lo) * ((float)rand() / (float)RAND_MAX); }

// v moved k representable floats up (k > 0) or down.
static float ulps_away(float v, int k) {
    for (; k > 0; k--) v = nextafterf(v, INFINITY);
    for (; k < 0; k++) v = nextafterf(v, -INFINITY);
    return v;
}

static float *floats(long n) { return aligned_alloc(64, (size_t)((n * 4 + 63) / 64 * 64)); }

// Batch norm with its ReLU, rows x C (C need not be a multiple of 16: the scalar tail too). x is
// drawn within a few of its own roundings of the kink, where a (x - mean) + beta = 0, so that how
// the sum is rounded decides the sign for many elements. The forward pass's choice is y > 0; the
// first backward pass must pass g (= 1) on exactly as many elements per channel, the second pass
// must pass it on exactly those.
static long batch_norm_relu_failures(long rows, long C) {
    const long n = rows * C;
    float *x = floats(n), *y = floats(n), *g = floats(n), *dx = floats(n), *passed = floats(n), *coef = floats(5 * C);
    double *sums = calloc((size_t)(2 * C), sizeof(double));
    for (long c = 0; c < C; c++) {
        coef[c] = uniform(0.3f, 3), coef[C + c] = uniform(-1, 1), coef[2 * C + c] = uniform(-2, 2);
        coef[3 * C + c] = coef[4 * C + c] = 0;  // k1, k2 (the second pass's dx is not checked)
    }
    for (long i = 0; i < n; i++) {
        const long c = i % C;
        const float kink = (float)((double)coef[C + c] - (double)coef[2 * C + c] / coef[c]);
        x[i] = i % 5 == 0 ? uniform(-3, 3) : ulps_away(kink, rand() % 17 - 8);
        g[i] = 1;
    }
    funnel_bn_apply_rows(x, coef, NULL, y, 1, 0, rows, C);
    funnel_bn_backward_sums_rows(g, x, NULL, coef, 1, sums, 0, rows, C);
    funnel_bn_backward_rows(g, x, NULL, coef, 1, dx, passed, 0, rows, C);
    long bad = 0, positive = 0;
    for (long i = 0; i < n; i++) { bad += passed[i] != (y[i] > 0 ? 1.0f : 0.0f); positive += y[i] > 0; }
    if (bad) printf("  batch norm + ReLU: the second backward pass passed g differently from the forward's choice at %ld of %ld\n", bad, n);
    long badSums = 0;
    for (long c = 0; c < C; c++) {
        long count = 0;
        for (long r = 0; r < rows; r++) count += y[r * C + c] > 0;
        badSums += sums[c] != (double)count;
    }
    if (badSums) printf("  batch norm + ReLU: the first backward pass's Σ g' differs from the forward's choice in %ld of %ld channels\n", badSums, C);
    if (positive == 0 || positive == n) { printf("  batch norm + ReLU: no elements on both sides\n"); bad++; }
    free(x); free(y); free(g); free(dx); free(passed); free(coef); free(sums);
    return bad + badSums;
}

// DY-ReLU-B after a batch norm (u = an (x - mean) + beta, plus a residual s), one sample of P
// positions. The first forward call, with pieces u and -inf, outputs u as the forward computes it.
// Then each position is run alone with pieces whose kink is that position's own u (one piece u, the
// other the constant u_forward), so every element is a tie forward; a backward pass that computed u
// a rounding higher or lower passes g to the other piece. Both orders of the pieces are run, so
// either direction of a difference shows as a gradient through piece 1.
static long dyrelu_failures(long P, long C, int residual) {
    const long n = P * C;
    float *x = floats(n), *s = residual ? floats(n) : NULL, *g = floats(n), *u = floats(n), *y = floats(n), *dx = floats(n);
    float *ds = residual ? floats(n) : NULL, *norm = floats(5 * C), *a = floats(2 * C), *b = floats(2 * C), *pooled = floats(C);
    double *sums = calloc((size_t)(6 * C), sizeof(double)), *ySums = calloc((size_t)C, sizeof(double));
    for (long c = 0; c < C; c++) {
        norm[c] = uniform(0.3f, 3), norm[C + c] = uniform(-1, 1), norm[2 * C + c] = uniform(-1, 1);
        norm[3 * C + c] = norm[4 * C + c] = 0;  // k1, k2: dx = an du
        pooled[c] = 0;
    }
    for (long i = 0; i < n; i++) { x[i] = uniform(-3, 3); if (s) s[i] = uniform(-1, 1); g[i] = 1; }
    for (long c = 0; c < C; c++) { a[c] = 1; b[c] = 0; a[C + c] = 0; b[C + c] = -INFINITY; }
    funnel_dyrelu2_norm_forward(x, s, norm, a, b, u, NULL, P, C, 0);
    long bad = 0;
    for (int order = 0; order < 2; order++)
        for (long p = 0; p < P; p++) {
            const long o = p * C;
            // Piece `order` is u itself, the other the constant u_forward: a tie forward.
            for (long c = 0; c < C; c++) {
                a[order * C + c] = 1; b[order * C + c] = 0;
                a[(1 - order) * C + c] = 0; b[(1 - order) * C + c] = u[o + c];
            }
            memset(sums, 0, (size_t)(6 * C) * sizeof(double));
            memset(ySums, 0, (size_t)C * sizeof(double));
            // Run again taking the output's sums, as training does (the first run took none).
            funnel_dyrelu2_norm_forward(x + o, s ? s + o : NULL, norm, a, b, y + o, ySums, 1, C, 0);
            funnel_dyrelu2_norm_sums(x + o, s ? s + o : NULL, g + o, norm, a, b, sums, 1, C);
            funnel_dyrelu2_norm_backward(x + o, s ? s + o : NULL, g + o, norm, a, b, pooled, dx + o, ds ? ds + o : NULL, 1, C, 0);
            for (long c = 0; c < C; c++) {
                // Ties go to piece 0 in every pass: piece 1 wins only where a pass's u differs
                // from the forward's (higher with order 0, lower with order 1).
                const float du = ds ? ds[o + c] : dx[o + c] / norm[c];  // the winning piece's slope
                bad += y[o + c] != u[o + c];  // the forward, run again, took the tie's value
                bad += ySums[c] != y[o + c];  // and summed what it wrote (one position)
                bad += sums[C + c] != 0;      // Σ g1 in the first backward pass
                bad += du != a[c];            // the second: piece 0's slope (the pieces' slopes differ)
            }
        }
    if (bad) printf("  DY-ReLU-B: a backward pass's u differed from the forward's at %ld checks of %ld\n", bad, 8 * n);
    free(x); free(s); free(g); free(u); free(y); free(dx); free(ds); free(norm); free(a); free(b); free(pooled); free(sums); free(ySums);
    return bad;
}

int main(void) {
    long failed = 0, checks = 0;
    const long bnChannels[] = {16, 35, 64, 512};
    for (int i = 0; i < 4; i++) {
        srand(11 + i);
        const long f = batch_norm_relu_failures(4096 / bnChannels[i] + 64, bnChannels[i]);
        if (f) printf("FAILED: batch norm + ReLU, %ld channels: %ld\n", bnChannels[i], f);
        failed += f != 0; checks++;
    }
    const long dyChannels[] = {16, 48, 256}, dyPositions[] = {1024, 256, 16};
    for (int i = 0; i < 3; i++)
        for (int residual = 0; residual < 2; residual++) {
            srand(21 + i);
            const long f = dyrelu_failures(dyPositions[i], dyChannels[i], residual);
            if (f) printf("FAILED: DY-ReLU-B, %ld channels, %ld positions, %s: %ld\n", dyChannels[i], dyPositions[i],
                          residual ? "with a residual" : "after a norm", f);
            failed += f != 0; checks++;
        }
    printf("%ld of %ld kernel shapes: every pass chose each element's branch alike\n", checks - failed, checks);
    return failed != 0;
}
