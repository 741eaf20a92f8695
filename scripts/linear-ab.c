// Two versions of the small linear layers' kernel (Sources/CKernels/linear.c) against each other, on
// DY-ReLU-B's hyper-function at batch 128 in ResNet-20 (fc1 C -> C/4 and fc2 C/4 -> 4C at 16, 32
// and 64 channels) and on odd shapes: `time` runs each pass K times back to back in cache on one
// thread, the versions alternating R times, and prints the best µs a call of each and the sum over
// a step's 19 DY-ReLU-B ops (7 at 16 channels, 6 at 32, 6 at 64); `agree` compares their outputs
// bit for bit and against products summed in Double.
//
// Build, from the repository root, "before" from a commit (its symbols renamed) and "after" from
// the working tree:
//   git show HEAD:Sources/CKernels/linear.c > /tmp/linear-before.c
//   F="-O2 -fblocks -fPIC -ISources/CKernels/include -ISources/CKernels"
//   clang $F $(for p in forward backward_data backward_weights; do echo -Dfunnel_linear_$p=before_$p; done) \
//     -c /tmp/linear-before.c -o /tmp/linear-before.o
//   clang $F scripts/linear-ab.c Sources/CKernels/linear.c Sources/CKernels/streaming.c /tmp/linear-before.o -lm -o /tmp/linear-ab
// Run: /tmp/linear-ab time K R   (e.g. 2000 5), /tmp/linear-ab agree
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "CKernels.h"

__typeof__(funnel_linear_forward) before_forward;
__typeof__(funnel_linear_backward_data) before_backward_data;
__typeof__(funnel_linear_backward_weights) before_backward_weights;

struct version {
    const char *name;
    __typeof__(funnel_linear_forward) *forward;
    __typeof__(funnel_linear_backward_data) *backward_data;
    __typeof__(funnel_linear_backward_weights) *backward_weights;
};
static const struct version versions[2] = {{"before", before_forward, before_backward_data, before_backward_weights},
                                           {"after", funnel_linear_forward, funnel_linear_backward_data, funnel_linear_backward_weights}};

// N, I, O, and how many of a ResNet-20 DY-ReLU-B step's calls take the shape (0: a shape for `agree` only).
static const long shapes[][4] = {{128, 16, 4, 7}, {128, 4, 64, 7}, {128, 32, 8, 6}, {128, 8, 128, 6}, {128, 64, 16, 6},
                                 {128, 16, 256, 6}, {5, 33, 7, 0}, {3, 200, 17, 0}, {20, 3, 100, 0}, {7, 20, 48, 0},
                                 {128, 64, 10, 0}};
#define SHAPES (long)(sizeof shapes / sizeof shapes[0])

struct layer { long N, I, O; float *x, *w, *b, *g, *y, *dx, *dw, *db; };

static float *uniform(long n) {
    float *p = malloc((size_t)n * sizeof(float));
    for (long i = 0; i < n; i++) p[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    return p;
}

static struct layer make(long s) {
    struct layer l = {shapes[s][0], shapes[s][1], shapes[s][2]};
    srand((unsigned)s + 1);
    l.x = uniform(l.N * l.I); l.w = uniform(l.O * l.I); l.b = uniform(l.O); l.g = uniform(l.N * l.O);
    l.y = malloc((size_t)(l.N * l.O) * sizeof(float)); l.dx = malloc((size_t)(l.N * l.I) * sizeof(float));
    l.dw = malloc((size_t)(l.O * l.I) * sizeof(float)); l.db = malloc((size_t)l.O * sizeof(float));
    return l;
}

static void run(const struct version *v, struct layer *l, int pass) {
    int status = pass == 0 ? v->forward(l->x, l->w, l->b, l->y, l->N, l->I, l->O)
               : pass == 1 ? v->backward_data(l->g, l->w, l->dx, l->N, l->I, l->O)
                           : v->backward_weights(l->g, l->x, l->dw, l->db, l->N, l->I, l->O);
    if (status) { fprintf(stderr, "out of memory\n"); exit(1); }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// The largest difference from products summed in Double, over y, dx, dw and db.
static double error(const struct layer *l) {
    double e = 0;
    for (long n = 0; n < l->N; n++) {
        for (long o = 0; o < l->O; o++) {
            double s = l->b[o];
            for (long i = 0; i < l->I; i++) s += (double)l->x[n * l->I + i] * l->w[o * l->I + i];
            e = fmax(e, fabs(s - l->y[n * l->O + o]));
        }
        for (long i = 0; i < l->I; i++) {
            double s = 0;
            for (long o = 0; o < l->O; o++) s += (double)l->g[n * l->O + o] * l->w[o * l->I + i];
            e = fmax(e, fabs(s - l->dx[n * l->I + i]));
        }
    }
    for (long o = 0; o < l->O; o++) {
        double sb = 0;
        for (long i = 0; i < l->I; i++) {
            double s = 0;
            for (long n = 0; n < l->N; n++) s += (double)l->g[n * l->O + o] * l->x[n * l->I + i];
            e = fmax(e, fabs(s - l->dw[o * l->I + i]));
        }
        for (long n = 0; n < l->N; n++) sb += l->g[n * l->O + o];
        e = fmax(e, fabs(sb - l->db[o]));
    }
    return e;
}

static int agree(void) {
    int failed = 0;
    for (long s = 0; s < SHAPES; s++) {
        struct layer a = make(s), b = make(s);
        for (int pass = 0; pass < 3; pass++) { run(&versions[0], &a, pass); run(&versions[1], &b, pass); }
        const int same = !memcmp(a.y, b.y, (size_t)(a.N * a.O) * sizeof(float)) && !memcmp(a.dx, b.dx, (size_t)(a.N * a.I) * sizeof(float))
                      && !memcmp(a.dw, b.dw, (size_t)(a.O * a.I) * sizeof(float)) && !memcmp(a.db, b.db, (size_t)a.O * sizeof(float));
        const double e = error(&b);
        printf("%3ld x %3ld -> %3ld: %s, largest difference from Double %.2e\n", a.N, a.I, a.O, same ? "bitwise the same" : "DIFFERENT", e);
        failed |= e > 1e-4;
    }
    return failed;
}

static void timing(int K, int R) {
    static const char *passes[3] = {"forward", "backward data", "backward weights"};
    double step[2][3] = {{0}};
    for (long s = 0; s < SHAPES && shapes[s][3]; s++) {
        struct layer l = make(s);
        double best[2][3];
        for (int v = 0; v < 2; v++) for (int p = 0; p < 3; p++) best[v][p] = INFINITY;
        for (int r = 0; r < R; r++)
            for (int v = 0; v < 2; v++)
                for (int p = 0; p < 3; p++) {
                    const double t0 = now();
                    for (int k = 0; k < K; k++) run(&versions[v], &l, p);
                    best[v][p] = fmin(best[v][p], (now() - t0) / K * 1e6);
                }
        printf("%3ld x %3ld -> %3ld:", l.N, l.I, l.O);
        for (int p = 0; p < 3; p++) {
            printf("  %s %.2f / %.2f µs", passes[p], best[0][p], best[1][p]);
            for (int v = 0; v < 2; v++) step[v][p] += shapes[s][3] * best[v][p];
        }
        printf("\n");
    }
    printf("a ResNet-20 DY-ReLU-B step, µs before / after:");
    for (int p = 0; p < 3; p++) printf("  %s %.0f / %.0f", passes[p], step[0][p], step[1][p]);
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "agree")) return agree();
    if (argc >= 4 && !strcmp(argv[1], "time")) { timing(atoi(argv[2]), atoi(argv[3])); return 0; }
    fprintf(stderr, "usage: %s time K R | agree\n", argv[0]);
    return 2;
}
