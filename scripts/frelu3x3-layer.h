// What the FReLU kernel drivers share (scripts/frelu3x3-harness.c, scripts/frelu3x3-ab.c): one
// layer's random tensors and the four passes run over a range of its image rows, by whichever
// version of the kernel file a table of entry points names.
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

static double seconds(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec + ts.tv_nsec * 1e-9; }

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

static void free_layer(const struct layer *l) {
    float *tensors[] = {l->z, l->res, l->g, l->t, l->y, l->dx, l->dres, l->weight, l->bias, l->norm, l->coef, l->coef2};
    for (size_t i = 0; i < sizeof tensors / sizeof *tensors; i++) free(tensors[i]);
}

enum pass { FORWARD, OUTPUT, BACKWARD_SUMS, BACKWARD, PASSES };
static const char *pass_names[PASSES] = {"forward (conv, moments)", "forward (output)", "backward (sums)", "backward (split, conv)"};

// A version of the kernel file's passes (the backward sums with an input norm, as every layer here has one).
struct passes {
    __typeof__(funnel_frelu3x3_forward_rows) *forward;
    __typeof__(funnel_frelu3x3_output_rows) *output;
    __typeof__(funnel_frelu3x3_backward_norm_sums_rows) *backward_sums;
    __typeof__(funnel_frelu3x3_backward_rows) *backward;
};
static const struct passes current_passes = {funnel_frelu3x3_forward_rows, funnel_frelu3x3_output_rows,
                                             funnel_frelu3x3_backward_norm_sums_rows, funnel_frelu3x3_backward_rows};

static void run_pass_of(const struct passes *k, const struct layer *l, enum pass p, long r0, long r1, double *sums) {
    switch (p) {
    case FORWARD: k->forward(l->z, l->norm, l->res, l->weight, l->bias, l->t, sums, r0, r1, l->H, l->W, l->C); break;
    case OUTPUT: k->output(l->z, l->norm, l->res, l->t, l->coef2, l->y, r0, r1, l->W, l->C); break;
    case BACKWARD_SUMS: k->backward_sums(l->g, l->z, l->norm, l->res, l->t, l->weight, l->coef, sums, r0, r1, l->H, l->W, l->C); break;
    case BACKWARD: k->backward(l->g, l->z, l->norm, l->res, l->t, l->weight, l->coef, l->dx, l->dres, sums, r0, r1, l->H, l->W, l->C, -1); break;
    default: break;
    }
}
