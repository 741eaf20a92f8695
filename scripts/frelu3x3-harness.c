// A standalone driver for FReLU's fused passes (Sources/CKernels/frelu3x3.c), outside Swift and
// the autograd tape: it times each pass, or writes every pass's outputs for a bitwise comparison of
// two versions of the kernel file. The performance log's harness figures come from it.
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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "CKernels.h"

static float *random_floats(long n, float scale, float offset) {
    float *p = aligned_alloc(64, (size_t)n * 4);
    for (long i = 0; i < n; i++) p[i] = offset + scale * ((float)rand() / (float)RAND_MAX - 0.5f);
    return p;
}

// One layer's tensors: z (the norm's input), the residual, g, and the outputs.
struct layer {
    long N, H, W, C;
    float *z, *res, *g, *t, *y, *dx, *dres, *weight, *bias, *norm, *coef, *coef2;
};

static struct layer make_layer(long N, long H, long C, int residual) {
    const long n = N * H * H * C;
    struct layer l = {N, H, H, C};
    l.z = random_floats(n, 2, 0.1f); l.res = residual ? random_floats(n, 2, 0) : NULL; l.g = random_floats(n, 1, 0);
    l.t = random_floats(n, 2, 0); l.y = calloc((size_t)n, 4); l.dx = calloc((size_t)n, 4); l.dres = residual ? calloc((size_t)n, 4) : NULL;
    l.weight = random_floats(9 * C, 0.5f, 0); l.bias = random_floats(C, 0.1f, 0); l.norm = random_floats(3 * C, 0.5f, 1);
    l.coef = random_floats(8 * C, 0.5f, 0.5f); l.coef2 = random_floats(2 * C, 0.5f, 0.5f);
    return l;
}

enum pass { FORWARD, OUTPUT, BACKWARD_SUMS, BACKWARD, PASSES };
static const char *pass_names[PASSES] = {"forward (conv, moments)", "forward (output)", "backward (sums)", "backward (split, conv)"};

static void run_pass(const struct layer *l, enum pass p, long r0, long r1, double *sums) {
    switch (p) {
    case FORWARD: funnel_frelu3x3_forward_rows(l->z, l->norm, l->res, l->weight, l->bias, l->t, sums, r0, r1, l->H, l->W, l->C); break;
    case OUTPUT: funnel_frelu3x3_output_rows(l->z, l->norm, l->res, l->t, l->coef2, l->y, r0, r1, l->W, l->C); break;
    case BACKWARD_SUMS: funnel_frelu3x3_backward_norm_sums_rows(l->g, l->z, l->norm, l->res, l->t, l->weight, l->coef, sums, r0, r1, l->H, l->W, l->C); break;
    case BACKWARD: funnel_frelu3x3_backward_rows(l->g, l->z, l->norm, l->res, l->t, l->weight, l->coef, l->dx, l->dres, sums, r0, r1, l->H, l->W, l->C); break;
    default: break;
    }
}

struct job { const struct layer *l; enum pass p; long r0, r1; };
static void *run_job(void *arg) {
    const struct job *j = arg;
    double *sums = calloc((size_t)(10 * j->l->C), sizeof(double));
    run_pass(j->l, j->p, j->r0, j->r1, sums);
    free(sums);
    return NULL;
}

static double seconds(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec + ts.tv_nsec * 1e-9; }

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
    }
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
                    for (int p = 0; p < PASSES; p++) fwrite(sums[p], sizeof(double), (size_t)(10 * C), f);
                }
    return fclose(f) != 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "time") == 0) return time_passes(atol(argv[2]), atol(argv[3]), atol(argv[4]), atoi(argv[5]));
    if (argc == 3 && strcmp(argv[1], "dump") == 0) return dump_outputs(argv[2]);
    fprintf(stderr, "usage: %s time N H C REPEATS | dump OUT\n", argv[0]);
    return 2;
}
