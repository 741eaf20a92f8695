// A standalone driver for FReLU's fused passes (Sources/CKernels/frelu3x3.c), outside Swift and
// the autograd tape: it times each pass, writes every pass's outputs for a bitwise comparison of
// two versions of the kernel file, or checks that the passes agree on x and on the condition as
// compiled for release (ReleaseAgreementTests runs it). The performance log's harness
// figures come from it.
//
// Build (SwiftPM's C flags for the release build), from the repository root:
//   clang -O2 -fblocks -fPIC -fno-omit-frame-pointer -ISources/CKernels/include -ISources/CKernels \
//     scripts/frelu3x3-harness.c Sources/CKernels/frelu3x3.c Sources/CKernels/streaming.c -lm -lpthread -o /tmp/frelu-harness
// Time: /tmp/frelu-harness time N H C REPEATS   e.g. `time 128 32 16 10` (ResNet-20's first stage)
//   two threads, each half of the N*H image rows (NT=1 for one); COLD=1 flushes the caches with a
//   96 MB memset before each run. Prints the best run of each pass, in ms and cycles a 16-float
//   vector per thread at 3.65 GHz (the AMD instance's FMA-peak clock).
// Compare: /tmp/frelu-harness dump OUT   writes t, y, every sum, dx and the residual's gradient for
//   16-512 channels, 4x4-32x32 maps, with and without a residual, in one to three chunks; `cmp` two
//   builds' files.
// Agree: /tmp/frelu-harness agree   exits 1, naming the layer shape and the pass, if two passes
//   computed x or a t + b differently anywhere (see agreement_failures), with the second backward
//   pass's register blocks for 16 vector registers and for 32.
#include <pthread.h>
#include "frelu3x3-layer.h"

static void run_pass(const struct layer *l, enum pass p, long r0, long r1, double *sums) { run_pass_of(&current_passes, l, p, r0, r1, sums); }

struct job { const struct layer *l; enum pass p; long r0, r1; };
static void *run_job(void *arg) {
    const struct job *j = arg;
    double *sums = calloc((size_t)(10 * j->l->C), sizeof(double));
    run_pass(j->l, j->p, j->r0, j->r1, sums);
    free(sums);
    return NULL;
}

static int time_passes(long N, long H, long C, int repeats) {
    const int threads = getenv("NT") ? atoi(getenv("NT")) : 2, cold = getenv("COLD") != NULL;
    char *flush = malloc(96 << 20);
    for (int residual = 1; residual >= 0; residual--) {
        const struct layer l = make_layer(N, H, C, residual);
        const double vectors = (double)(N * H * H * C) / 16;
        for (enum pass p = FORWARD; p < PASSES; p++) {
            double best = 1e9;
            for (int r = 0; r < repeats; r++) {
                if (cold) memset(flush, r, 96 << 20);
                pthread_t th[64]; struct job jobs[64];
                const double start = seconds();
                for (int i = 0; i < threads; i++) {
                    jobs[i] = (struct job){&l, p, N * H * i / threads, N * H * (i + 1) / threads};
                    pthread_create(&th[i], NULL, run_job, &jobs[i]);
                }
                for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
                const double d = seconds() - start;
                if (d < best) best = d;
            }
            printf("%-11s %-24s %8.3f ms  %6.1f cycles a vector a thread\n", residual ? "block end" : "after norm", pass_names[p],
                   best * 1e3, best * 3.65e9 * threads / vectors);
        }
        free_layer(&l);
    }
    free(flush);
    return 0;
}

static int dump_outputs(const char *path) {
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); return 1; }
    const long channels[] = {16, 64, 256, 512}, sizes[] = {4, 8, 16, 32};
    for (int ci = 0; ci < 4; ci++)
        for (int si = 0; si < 4; si++)
            for (int residual = 0; residual < 2; residual++)
                for (int chunks = 1; chunks <= 3; chunks++) {
                    srand(1 + ci * 10 + si);
                    const struct layer l = make_layer(3, sizes[si], channels[ci], residual);
                    const long C = l.C, rows = l.N * l.H, n = rows * l.W * C;
                    double *sums[PASSES];
                    for (int p = 0; p < PASSES; p++) sums[p] = calloc((size_t)(10 * C), sizeof(double));
                    for (enum pass p = FORWARD; p < PASSES; p++)
                        for (int k = 0; k < chunks; k++) run_pass(&l, p, rows * k / chunks, rows * (k + 1) / chunks, sums[p]);
                    fwrite(l.t, 4, (size_t)n, f); fwrite(l.y, 4, (size_t)n, f); fwrite(l.dx, 4, (size_t)n, f);
                    if (l.dres) fwrite(l.dres, 4, (size_t)n, f);
                    for (int p = 0; p < PASSES; p++) { fwrite(sums[p], sizeof(double), (size_t)(10 * C), f); free(sums[p]); }
                    free_layer(&l);
                }
    return fclose(f) != 0;
}

// Agreement: the output pass and both backward passes must read the same x and the same condition
// a t + b, bit for bit, or a near-tie goes one way forward and the other backward (see AFFINE in
// vectors.h); the first pass must read that x too, so that t is what the norm's stored output
// would give (no branch is decided on its x: with 54550ab's kernels and a prefetch in its loop it
// alone differed, on 26 of the 52 shapes). Each check makes a pass show what it computed:
// - x: identity weights (the centre tap 1, no bias) make the first pass store t = x exactly; the
//   output pass with a = 0, b = -inf outputs y = x; both backward passes, with a = 1, b = 0 and g = 1,
//   see the condition t tie with x everywhere, so the first sums Σ gT = 0.5 per position and the
//   second (zero weights) writes the residual's gradient 1 - 0.5 (or, after a norm only, its
//   input's a1 0.5).
// - the condition: t set so that a t + b lands within a rounding of x (random a, b), the output pass
//   must have taken the condition (y != x) exactly where the second backward pass gave it all of g
//   (a gradient of 0 for x), and the first pass's Σ gT must be the second's.
// Prints each failure; returns how many elements or channels failed.
static long agreement_failures(long N, long H, long C, int residual, int chunks, int wide) {
    struct layer l = make_layer(N, H, C, residual);
    const long rows = N * H, n = rows * H * C;
    long failures = 0;
    float *identity = calloc((size_t)(9 * C), 4), *zero = calloc((size_t)(9 * C), 4), *ones = malloc((size_t)n * 4);
    for (long c = 0; c < C; c++) identity[4 * C + c] = 1;
    for (long i = 0; i < n; i++) ones[i] = 1;
    float *outputCoef = malloc((size_t)(2 * C) * 4), *backCoef = calloc((size_t)(8 * C), 4);
    double *sums = calloc((size_t)(10 * C), sizeof(double)), *sums2 = calloc((size_t)(10 * C), sizeof(double));
#define CHUNKED(call) for (int k = 0; k < chunks; k++) { const long r0 = rows * k / chunks, r1 = rows * (k + 1) / chunks; call; }
    // x.
    CHUNKED(funnel_frelu3x3_forward_rows(l.z, l.norm, l.res, identity, NULL, l.t, NULL, r0, r1, H, H, C));
    for (long c = 0; c < C; c++) { outputCoef[c] = 0; outputCoef[C + c] = -__builtin_inff(); }
    CHUNKED(funnel_frelu3x3_output_rows(l.z, l.norm, l.res, l.t, outputCoef, l.y, r0, r1, H, C));
    long bad = 0;
    for (long i = 0; i < n; i++) bad += !(l.y[i] == l.t[i]);
    if (bad) printf("  x: the output pass's x differs from the first pass's at %ld of %ld\n", bad, n);
    failures += bad;
    for (long c = 0; c < C; c++) { backCoef[c] = 1; backCoef[3 * C + c] = 1; }  // a = 1, invStd = 1, the rest 0
    CHUNKED(funnel_frelu3x3_backward_norm_sums_rows(ones, l.z, l.norm, l.res, l.t, identity, backCoef, sums, r0, r1, H, H, C));
    bad = 0;
    for (long c = 0; c < C; c++) bad += sums[c] != 0.5 * (double)(n / C);
    if (bad) printf("  x: the first backward pass's x differs from the forward's in %ld of %ld channels\n", bad, C);
    failures += bad;
    CHUNKED(funnel_frelu3x3_backward_rows(ones, l.z, l.norm, l.res, l.t, zero, backCoef, l.dx, l.dres, sums2, r0, r1, H, H, C, wide));
    bad = 0;
    for (long i = 0; i < n; i++) bad += residual ? l.dres[i] != 0.5f : l.dx[i] != l.norm[i % C] * 0.5f;
    if (bad) printf("  x: the second backward pass's x differs from the forward's at %ld of %ld\n", bad, n);
    failures += bad;
    // The condition, a t + b within a rounding or two of x (y holds x now).
    float *xs = malloc((size_t)n * 4);
    memcpy(xs, l.y, (size_t)n * 4);
    for (long c = 0; c < C; c++) {
        outputCoef[c] = backCoef[c] = 0.5f + (float)rand() / (float)RAND_MAX;
        outputCoef[C + c] = backCoef[C + c] = (float)rand() / (float)RAND_MAX - 0.5f;
    }
    for (long i = 0; i < n; i++) l.t[i] = (float)(((double)xs[i] - outputCoef[C + i % C]) / outputCoef[i % C]);
    CHUNKED(funnel_frelu3x3_output_rows(l.z, l.norm, l.res, l.t, outputCoef, l.y, r0, r1, H, C));
    memset(sums, 0, (size_t)(10 * C) * sizeof(double));
    CHUNKED(funnel_frelu3x3_backward_norm_sums_rows(ones, l.z, l.norm, l.res, l.t, identity, backCoef, sums, r0, r1, H, H, C));
    CHUNKED(funnel_frelu3x3_backward_rows(ones, l.z, l.norm, l.res, l.t, zero, backCoef, l.dx, l.dres, sums2, r0, r1, H, H, C, wide));
    double *shares = calloc((size_t)C, sizeof(double));
    long taken = 0;
    bad = 0;
    for (long i = 0; i < n; i++) {
        // The second pass's share of g for the condition: g = 1 and zero weights leave dx = 1 - share.
        const float share = 1 - (residual ? l.dres[i] : l.dx[i] / l.norm[i % C]);
        const int forwardTook = l.y[i] != xs[i];  // y = a t + b only where it is greater than x
        bad += forwardTook ? share != 1 : share == 1;
        taken += forwardTook;
        shares[i % C] += share;
    }
    if (bad) printf("  condition: the output pass and the second backward pass chose differently at %ld of %ld\n", bad, n);
    failures += bad;
    bad = 0;
    for (long c = 0; c < C; c++) bad += sums[c] != shares[c];
    if (bad) printf("  condition: the first backward pass's share of g differs from the second's in %ld of %ld channels\n", bad, C);
    failures += bad;
    if (taken == 0 || taken == n) { printf("  condition: no near-ties on both sides (%ld of %ld taken)\n", taken, n); failures++; }
    free(xs); free(shares);
#undef CHUNKED
    free(identity); free(zero); free(ones); free(outputCoef); free(backCoef); free(sums); free(sums2);
    free_layer(&l);
    return failures;
}

// The agreement checks over the kernel's paths: narrow and wide channels (block by block, position
// by position), maps from 4x4 (border only) to 32x32, after a norm or at a block end, in one
// chunk of rows or three (rings restarted mid-image), the second backward pass with its register
// blocks for 16 vector registers and for 32.
static int check_agreement(void) {
    const long channels[] = {16, 48, 128, 256, 512}, sizes[] = {4, 8, 32};
    long failed = 0, checks = 0;
    for (int ci = 0; ci < 5; ci++)
        for (int si = 0; si < 3; si++)
            for (int residual = 0; residual < 2; residual++)
                for (int chunks = 1; chunks <= 3; chunks += 2)
                    for (int wide = 0; wide < 2; wide++) {
                        if (channels[ci] >= 256 && sizes[si] > 8) continue;
                        srand(7 + ci * 10 + si);
                        const long f = agreement_failures(2, sizes[si], channels[ci], residual, chunks, wide);
                        if (f) printf("FAILED: %ld channels, %ldx%ld, %s, %d chunk(s), blocks for %d registers: %ld\n", channels[ci], sizes[si],
                                      sizes[si], residual ? "block end" : "after norm", chunks, wide ? 32 : 16, f);
                        failed += f != 0; checks++;
                    }
    printf("%ld of %ld layer shapes and register blocks: every pass read the same x and condition\n", checks - failed, checks);
    return failed != 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "time") == 0) return time_passes(atol(argv[2]), atol(argv[3]), atol(argv[4]), atoi(argv[5]));
    if (argc == 3 && strcmp(argv[1], "dump") == 0) return dump_outputs(argv[2]);
    if (argc == 2 && strcmp(argv[1], "agree") == 0) return check_agreement();
    fprintf(stderr, "usage: %s time N H C REPEATS | dump OUT | agree\n", argv[0]);
    return 2;
}
