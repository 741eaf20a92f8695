// A small fully connected layer on one thread: y = x Wᵀ + b and its gradients, for products of up to
// a few hundred thousand multiply-adds (DY-ReLU's hyper-function, a CIFAR classifier). oneDNN's inner
// product spends 20-75 µs a call on these in a training step (its memory objects, a parallel region
// across the cores, cold code), where the arithmetic takes a few.
//
// Each pass is one product C = A B with rows of C held in vector registers along their length. Of
// the two ways to lay a pass out (C or its transpose), each takes the one with the longer rows: a
// batch of 128 against 4 to 16 features makes rows of 128, not of 4. The transposes that costs are
// small copies. Sums are float, accumulated over k ascending.
#include <stdlib.h>
#include <string.h>
#include "CKernels.h"
#include "vectors.h"

// dst [C, R] = src [R, C]ᵀ, in 16 x 16 tiles: element by element down a whole column, each store
// would go to a line of its own.
CLONES static void transpose(const float *src, float *dst, long R, long C) {
    for (long r0 = 0; r0 < R; r0 += 16)
        for (long c0 = 0; c0 < C; c0 += 16) {
            const long r1 = r0 + 16 < R ? r0 + 16 : R, c1 = c0 + 16 < C ? c0 + 16 : C;
            for (long c = c0; c < c1; c++)
                for (long r = r0; r < r1; r++) dst[c * R + r] = src[r * C + c];
        }
}

// C [M, L] = A [M, K] B [K, L] + init, all row-major; init is row_init[m] (one value a row),
// col_init[l] (one a column) or zero. Rows are walked 128 floats (eight vectors) at a time, then
// by single vectors, then the last L % 16 one by one.
CLONES static void product(const float *A, const float *B, float *C, long M, long K, long L,
                           const float *row_init, const float *col_init) {
    for (long m = 0; m < M; m++) {
        const float *a = A + m * K;
        float *c = C + m * L;
        const float r0 = row_init ? row_init[m] : 0;
        long l = 0;
        for (; l + 128 <= L; l += 128) {
            v16 acc[8];
            for (int j = 0; j < 8; j++) acc[j] = col_init ? LD(col_init + l + 16 * j) : (v16){} + r0;
            for (long k = 0; k < K; k++) {
                const float *b = B + k * L + l;
                for (int j = 0; j < 8; j++) acc[j] += a[k] * LD(b + 16 * j);
            }
            for (int j = 0; j < 8; j++) ST(c + l + 16 * j, acc[j]);
        }
        for (; l + 16 <= L; l += 16) {
            v16 acc = col_init ? LD(col_init + l) : (v16){} + r0;
            for (long k = 0; k < K; k++) acc += a[k] * LD(B + k * L + l);
            ST(c + l, acc);
        }
        for (; l < L; l++) {
            float acc = col_init ? col_init[l] : r0;
            for (long k = 0; k < K; k++) acc += a[k] * B[k * L + l];
            c[l] = acc;
        }
    }
}

// One allocation for a pass's transposed operands.
static float *scratch(long floats) { return malloc((size_t)(floats > 0 ? floats : 1) * sizeof(float)); }

// C [L, M] = (A [M, K] B [K, L] + row_init)ᵀ: a pass laid out transposed, its product made into
// `tmp` (M x L floats) and turned back.
static void transposed_product(const float *A, const float *B, float *tmp, float *C, long M, long K, long L,
                               const float *row_init) {
    product(A, B, tmp, M, K, L, row_init, NULL);
    transpose(tmp, C, M, L);
}

int funnel_linear_forward(const float *x, const float *w, const float *b, float *y, long N, long I, long O) {
    if (O >= N) {  // y [N, O] = x [N, I] wᵀ [I, O] + b (per column)
        float *wt = scratch(I * O);
        if (!wt) return -1;
        transpose(w, wt, O, I);
        product(x, wt, y, N, I, O, NULL, b);
        free(wt);
    } else {  // yᵀ [O, N] = w [O, I] xᵀ [I, N] + b (per row)
        float *xt = scratch(I * N + O * N);
        if (!xt) return -1;
        transpose(x, xt, N, I);
        transposed_product(w, xt, xt + I * N, y, O, I, N, b);
        free(xt);
    }
    return 0;
}

int funnel_linear_backward_data(const float *g, const float *w, float *dx, long N, long I, long O) {
    if (I >= N) {  // dx [N, I] = g [N, O] w [O, I]
        product(g, w, dx, N, O, I, NULL, NULL);
    } else {  // dxᵀ [I, N] = wᵀ [I, O] gᵀ [O, N]
        float *wt = scratch(I * O + O * N + I * N), *gt = wt + I * O;
        if (!wt) return -1;
        transpose(w, wt, O, I);
        transpose(g, gt, N, O);
        transposed_product(wt, gt, gt + O * N, dx, I, O, N, NULL);
        free(wt);
    }
    return 0;
}

int funnel_linear_backward_weights(const float *g, const float *x, float *dw, float *db, long N, long I, long O) {
    if (I >= O) {  // dw [O, I] = gᵀ [O, N] x [N, I]
        float *gt = scratch(O * N);
        if (!gt) return -1;
        transpose(g, gt, N, O);
        product(gt, x, dw, O, N, I, NULL, NULL);
        free(gt);
    } else {  // dwᵀ [I, O] = xᵀ [I, N] g [N, O]
        float *xt = scratch(I * N + I * O);
        if (!xt) return -1;
        transpose(x, xt, N, I);
        transposed_product(xt, g, xt + I * N, dw, I, N, O, NULL);
        free(xt);
    }
    if (db) {
        memset(db, 0, (size_t)O * sizeof(float));
        for (long n = 0; n < N; n++)
            for (long o = 0; o < O; o++) db[o] += g[n * O + o];
    }
    return 0;
}
