// A small fully connected layer on one thread: y = x Wᵀ + b and its gradients, for products of up to
// a few hundred thousand multiply-adds (DY-ReLU's hyper-function, a CIFAR classifier). oneDNN's inner
// product spends 20-75 µs a call on these in a training step (its memory objects, a parallel region
// across the cores, cold code), where the arithmetic takes a few.
//
// Each pass is one product C = A B, with B and C row-major and A read in place as it is stored, a
// matrix or the transpose of one (the backward weights' gᵀ): no pass transposes a tensor of the
// batch's size. C is computed in blocks of four rows by up to four 16-float vectors, sixteen
// independent sums in registers: one row at a time, a block of one vector (16 to 64 features)
// was one chain of dependent multiply-adds as long as the sum, and the transposes of the batch's
// gradients cost as much as the products (performance log, 2026-12-06 evening). Rows shorter than
// a whole number of vectors (4 or 8 features) run on copies padded with zeros. Sums are float,
// accumulated over k ascending.
#include <stdlib.h>
#include <string.h>
#include "CKernels.h"
#include "vectors.h"

#define ROUND16(n) (((n) + 15) / 16 * 16)

// One block of C: `rows` rows (at most 4) by `nv` vectors (at most 4) from A's rows (element (r, k)
// at A[r * am + k * ak]), B's rows of stride ldb and `init` (one value a column, NULL for zeros)
// into C's rows of stride ldc. rows and nv are constants at every call, so the loops unroll and the
// sums stay in registers.
static inline __attribute__((always_inline)) void block(const float *A, long am, long ak, const float *B, long ldb,
                                                        float *C, long ldc, long K, const float *init,
                                                        const int rows, const int nv) {
    v16 acc[4][4];
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < nv; j++) acc[r][j] = init ? LD(init + 16 * j) : (v16){0};
    for (long k = 0; k < K; k++) {
        v16 b[4];
        for (int j = 0; j < nv; j++) b[j] = LD(B + k * ldb + 16 * j);
        for (int r = 0; r < rows; r++) {
            const float a = A[r * am + k * ak];
            for (int j = 0; j < nv; j++) acc[r][j] += a * b[j];
        }
    }
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < nv; j++) ST(C + r * ldc + 16 * j, acc[r][j]);
}

#define BLOCK_WIDTHS(rows)                                                                        \
    switch (nv) {                                                                                 \
    case 4: block(a, am, ak, b, Lp, c, ldc, K, in, rows, 4); break;                              \
    case 3: block(a, am, ak, b, Lp, c, ldc, K, in, rows, 3); break;                              \
    case 2: block(a, am, ak, b, Lp, c, ldc, K, in, rows, 2); break;                              \
    default: block(a, am, ak, b, Lp, c, ldc, K, in, rows, 1); break;                             \
    }

// C [M, Lp] (row stride ldc) = A [M, K] B [K, Lp] + init, Lp a multiple of 16; A's element (m, k) at
// A[m * am + k * ak]; init [Lp] (one value a column) or NULL.
CLONES static void product(const float *A, long am, long ak, const float *B, float *C, long ldc, long M, long K, long Lp,
                           const float *init) {
    for (long l = 0; l < Lp; l += 64) {
        const int nv = (int)MIN(4, (Lp - l) / 16);
        const float *b = B + l, *in = init ? init + l : NULL;
        long m = 0;
        for (; m + 4 <= M; m += 4) {
            const float *a = A + m * am;
            float *c = C + m * ldc + l;
            BLOCK_WIDTHS(4)
        }
        for (; m < M; m++) {
            const float *a = A + m * am;
            float *c = C + m * ldc + l;
            BLOCK_WIDTHS(1)
        }
    }
}
#undef BLOCK_WIDTHS

// One allocation for a pass's padded operands.
static float *scratch(long floats) { return calloc((size_t)(floats > 0 ? floats : 1), sizeof(float)); }

// C [M, L] = A B + init, B [K, L] row-major (ldb = L): B, init and C padded to whole vectors in
// `pad` when L is not a multiple of 16 (pad has room for ROUND16(L) (K + M + 1) floats), else used
// as they are.
static void padded_product(const float *A, long am, long ak, const float *B, float *C, long M, long K, long L,
                           const float *init, float *pad) {
    const long Lp = ROUND16(L);
    if (Lp == L) {
        product(A, am, ak, B, C, L, M, K, L, init);
        return;
    }
    float *b = pad, *c = pad + K * Lp, *in = init ? c + M * Lp : NULL;
    for (long k = 0; k < K; k++) memcpy(b + k * Lp, B + k * L, (size_t)L * sizeof(float));
    if (in) memcpy(in, init, (size_t)L * sizeof(float));
    product(A, am, ak, b, c, Lp, M, K, Lp, in);
    for (long m = 0; m < M; m++) memcpy(C + m * L, c + m * Lp, (size_t)L * sizeof(float));
}

// The floats padded_product's `pad` needs for C [M, L] from B [K, L]: none for whole vectors.
static long pad_floats(long M, long K, long L) { return L % 16 ? ROUND16(L) * (K + M + 1) : 0; }

int funnel_linear_forward(const float *x, const float *w, const float *b, float *y, long N, long I, long O) {
    // y [N, O] = x [N, I] wᵀ [I, O] + b: wᵀ is the one copy, the size of the weights.
    float *wt = scratch(I * O + pad_floats(N, I, O));
    if (!wt) return -1;
    for (long o = 0; o < O; o++)
        for (long i = 0; i < I; i++) wt[i * O + o] = w[o * I + i];
    padded_product(x, I, 1, wt, y, N, I, O, b, wt + I * O);
    free(wt);
    return 0;
}

int funnel_linear_backward_data(const float *g, const float *w, float *dx, long N, long I, long O) {
    // dx [N, I] = g [N, O] w [O, I].
    float *pad = NULL;
    if (pad_floats(N, O, I) && !(pad = scratch(pad_floats(N, O, I)))) return -1;
    padded_product(g, O, 1, w, dx, N, O, I, NULL, pad);
    free(pad);
    return 0;
}

int funnel_linear_backward_weights(const float *g, const float *x, float *dw, float *db, long N, long I, long O) {
    if (I % 16 && O % 16 == 0) {
        // dwᵀ [I, O] = xᵀ [I, N] g [N, O], then turned: rows of O (DY-ReLU's fc2: 64-256) need no
        // padding where rows of I (4 or 8) would be three quarters or half zeros.
        float *dwt = scratch(I * O);
        if (!dwt) return -1;
        product(x, 1, I, g, dwt, O, I, N, O, NULL);
        for (long i = 0; i < I; i++)
            for (long o = 0; o < O; o++) dw[o * I + i] = dwt[i * O + o];
        free(dwt);
    } else {
        // dw [O, I] = gᵀ [O, N] x [N, I], gᵀ's element (o, n) read from g [N, O] in place.
        float *pad = NULL;
        if (pad_floats(O, N, I) && !(pad = scratch(pad_floats(O, N, I)))) return -1;
        padded_product(g, 1, O, x, dw, O, N, I, NULL, pad);
        free(pad);
    }
    if (db) {
        memset(db, 0, (size_t)O * sizeof(float));
        for (long n = 0; n < N; n++)
            for (long o = 0; o < O; o++) db[o] += g[n * O + o];
    }
    return 0;
}
