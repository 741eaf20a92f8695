// Two versions of FReLU's fused passes (Sources/CKernels/frelu3x3.c) timed against each other in
// cache: one thread, a layer small enough for L2, each pass run K times back to back, the two
// versions alternating R times; prints the best of each in cycles per 16-float vector at 3.65 GHz
// (the AMD instance's FMA-peak clock) and their ratio. On the noisy 2-vCPU instance a pass's time
// moved by a third between runs a minute apart; alternating in one process and keeping the data in
// cache, the same code read alike to 1-3%, which is what a change of a few per cent needs. What it
// does not see, memory traffic, scripts/frelu3x3-harness.c's `time` mode and
// `funnel bench train` do. The performance log's in-cache figures come from it.
//
// Build, from the repository root, "before" from a commit (its symbols renamed) and "after" from
// the working tree (SwiftPM's C flags for the release build):
//   git show HEAD:Sources/CKernels/frelu3x3.c > /tmp/frelu3x3-before.c
//   F="-O2 -fblocks -fPIC -fno-omit-frame-pointer -ISources/CKernels/include -ISources/CKernels"
//   clang $F $(for p in forward_rows output_rows backward_sums_rows backward_norm_sums_rows backward_rows; \
//     do echo -Dfunnel_frelu3x3_$p=before_$p; done) -c /tmp/frelu3x3-before.c -o /tmp/frelu3x3-before.o
//   clang $F scripts/frelu3x3-ab.c Sources/CKernels/frelu3x3.c Sources/CKernels/streaming.c /tmp/frelu3x3-before.o \
//     -lm -o /tmp/frelu-ab
// Run: /tmp/frelu-ab N H C K R [residual]   e.g. `1 32 16 50 20` (ResNet-20's first stage, one
//   image), `2 16 32 50 20`, `8 8 64 50 20`; residual 0 for the pass after a block's first norm.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "CKernels.h"

int before_forward_rows(const float *x, const float *norm, const float *res, const float *weight, const float *bias, float *t,
                        double *sums, long r0, long r1, long H, long W, long C);
void before_output_rows(const float *x, const float *norm, const float *res, const float *t, const float *coef, float *y, long r0,
                        long r1, long W, long C);
int before_backward_norm_sums_rows(const float *g, const float *z, const float *norm, const float *res, const float *t,
                                   const float *weight, const float *coef, double *sums, long r0, long r1, long H, long W, long C);
int before_backward_rows(const float *g, const float *x, const float *norm, const float *res, const float *t, const float *weight,
                         const float *coef, float *dx, float *dres, double *sums, long r0, long r1, long H, long W, long C);

static float *random_floats(long n, float scale, float offset) {
    float *p = aligned_alloc(64, (size_t)n * 4);
    for (long i = 0; i < n; i++) p[i] = offset + scale * ((float)rand() / (float)RAND_MAX - 0.5f);
    return p;
}

static double seconds(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec + ts.tv_nsec * 1e-9; }

enum pass { FORWARD, OUTPUT, BACKWARD_SUMS, BACKWARD, PASSES };
static const char *pass_names[PASSES] = {"forward (conv, moments)", "forward (output)", "backward (sums)", "backward (split, conv)"};

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s N H C K R [residual]\n", argv[0]);
        return 2;
    }
    const long N = atol(argv[1]), H = atol(argv[2]), W = H, C = atol(argv[3]), rows = N * H, n = N * H * W * C;
    const int K = atoi(argv[4]), R = atoi(argv[5]), residual = argc > 6 ? atoi(argv[6]) : 1;
    if (N < 1 || H < 1 || C < 16 || C % 16 || K < 1 || R < 1) {
        fprintf(stderr, "N, H, K, R must be positive and C a multiple of 16\n");
        return 2;
    }
    float *z = random_floats(n, 2, 0.1f), *res = residual ? random_floats(n, 2, 0) : NULL, *g = random_floats(n, 1, 0);
    float *t = random_floats(n, 2, 0), *y = calloc((size_t)n, 4), *dx = calloc((size_t)n, 4), *dres = residual ? calloc((size_t)n, 4) : NULL;
    float *weight = random_floats(9 * C, 0.5f, 0), *bias = random_floats(C, 0.1f, 0), *norm = random_floats(3 * C, 0.5f, 1);
    float *coef = random_floats(8 * C, 0.5f, 0.5f), *coef2 = random_floats(2 * C, 0.5f, 0.5f);
    double *sums = calloc((size_t)(10 * C), sizeof(double));
    for (enum pass p = FORWARD; p < PASSES; p++) {
        double best[2] = {1e9, 1e9};
        for (int r = 0; r < R; r++)
            for (int after = 0; after < 2; after++) {
                const double start = seconds();
                for (int k = 0; k < K; k++) switch (p) {
                    case FORWARD:
                        (after ? funnel_frelu3x3_forward_rows : before_forward_rows)(z, norm, res, weight, bias, t, sums, 0, rows, H, W, C);
                        break;
                    case OUTPUT: (after ? funnel_frelu3x3_output_rows : before_output_rows)(z, norm, res, t, coef2, y, 0, rows, W, C); break;
                    case BACKWARD_SUMS:
                        (after ? funnel_frelu3x3_backward_norm_sums_rows : before_backward_norm_sums_rows)(g, z, norm, res, t, weight, coef,
                                                                                                          sums, 0, rows, H, W, C);
                        break;
                    case BACKWARD:
                        (after ? funnel_frelu3x3_backward_rows : before_backward_rows)(g, z, norm, res, t, weight, coef, dx, dres, sums, 0,
                                                                                        rows, H, W, C);
                        break;
                    default: break;
                    }
                const double d = (seconds() - start) / K;
                if (d < best[after]) best[after] = d;
            }
        const double vectors = (double)n / 16;
        printf("%ldx%ldx%ld %-11s %-24s before %6.1f  after %6.1f cycles a vector  (after/before %.3f)\n", H, W, C,
               residual ? "block end" : "after norm", pass_names[p], best[0] * 3.65e9 / vectors, best[1] * 3.65e9 / vectors,
               best[1] / best[0]);
    }
    return 0;
}
