// Winograd F(4x4, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016)
// for 3x3 convolutions with padding 1 at stride 1 on channels-last images, channels in whole 16s,
// maps in whole 4x4 tiles: ResNet-20's 16-, 32- and 64-channel stages. Each 4x4 output tile is
// A^T [(G g G^T) ⊙ (B^T d B)] A of its 6x6 input tile d: 36 multiply-adds per tile and channel pair
// instead of the direct kernel's 144 (conv3x3.c), the rest being transforms of 16-channel vectors.
// The direct kernel runs these convolutions at about the FMA peak already (performance log,
// 2026-12-03), so only fewer multiply-adds make them faster: 1.3-2.0x its forward with a cold input
// and 1.1-1.5x its weight gradient on ResNet-20's shapes (standalone harness, AMD instance;
// performance log, 2026-12-05). The transforms are exact in real arithmetic; in float the results
// differ from the direct sums by rounding, by at most 1e-5 of the largest output on those shapes.
//
// Tiles are taken T at a time in raster order across the samples of a call (a group may end in the
// next sample: an 8x8 map has only 4 tiles): their input transforms into V[36][T][I], 36 products
// V[ξ] U[ξ] (one per transform point ξ, U the transformed weights [36][I][O]) into M[36][T][O], then
// the output transforms into y. The weight gradient sums V[ξ]^T D[ξ] over tiles into dU[36][I][O],
// D being each output-gradient tile's transform A dy A^T, and turns dU into the 3x3 taps, G^T dU G,
// once a piece of the batch.
#include <stdlib.h>
#include <string.h>
#include "CKernels.h"
#include "vectors.h"

// G, the weight transform of F(4x4, 3x3): U = G g G^T.
static const float G[6][3] = {{1.f / 4, 0, 0}, {-1.f / 6, -1.f / 6, -1.f / 6}, {-1.f / 6, 1.f / 6, -1.f / 6},
                              {1.f / 24, 1.f / 12, 1.f / 6}, {1.f / 24, -1.f / 12, 1.f / 6}, {0, 0, 1}};

// G g G^T of the filters o0..<o0 + 16 at input channel i, their taps g[ky][kx] one filter a lane,
// into U. The same operations in the same order as the scalar loop this replaced, unfused as that
// loop compiled (baseline x86-64 has no multiply-add), so U is bitwise as before.
INLINE void transform_filters(const v16 g[3][3], float *U, long I, long O, long i, long o0) {
#pragma clang fp contract(off)
    v16 gt[6][3];  // G g
    UNROLLED for (int a = 0; a < 6; a++)
        UNROLLED for (int kx = 0; kx < 3; kx++) {
            v16 s = (v16){};
            UNROLLED for (int ky = 0; ky < 3; ky++) s += G[a][ky] * g[ky][kx];
            gt[a][kx] = s;
        }
    UNROLLED for (int a = 0; a < 6; a++)
        UNROLLED for (int b = 0; b < 6; b++)
            ST(U + ((a * 6 + b) * I + i) * O + o0, gt[a][0] * G[b][0] + gt[a][1] * G[b][1] + gt[a][2] * G[b][2]);
}

// Sixteen output channels a vector (U's innermost index), so the transform runs 16 filters at once:
// scalar, filter by filter, it took about 6.7 ms of a ResNet-20 step on the calling thread while
// the other waited (perf, 2026-12-06).
CLONES void funnel_winograd4x3_pack(const float *w, float *U, long I, long O, long from, long to) {
    for (long o0 = from; o0 < to; o0 += 16)
        for (long i = 0; i < I; i++) {
            v16 g[3][3];  // tap (ky, kx) of filters o0..<o0 + 16 at input channel i
            for (int tap = 0; tap < 9; tap++) {
                float lanes[16];
                for (int j = 0; j < 16; j++) lanes[j] = w[((o0 + j) * 9 + tap) * I + i];
                g[tap / 3][tap % 3] = LD(lanes);
            }
            transform_filters(g, U, I, O, i, o0);
        }
}

// The turned convolution's filter o' at input channel i' is w's filter i' at input channel o',
// flipped: its 16 filters from o0 are 16 consecutive floats of w, one load a tap, with no turned
// copy of w first (its Swift loop, writing at a stride, took 0.3-0.5 ms of a ResNet-20 step).
CLONES void funnel_winograd4x3_pack_turned(const float *w, float *UT, long I, long O, long from, long to) {
    for (long o0 = from; o0 < to; o0 += 16)
        for (long i = 0; i < O; i++) {
            v16 g[3][3];
            for (int tap = 0; tap < 9; tap++) g[tap / 3][tap % 3] = LD(w + (i * 9 + 8 - tap) * I + o0);
            transform_filters(g, UT, O, I, i, o0);
        }
}

// The three one-dimensional transforms on vectors of 16 channels: B^T d (6 -> 6), A^T m (6 -> 4)
// and its adjoint A e (4 -> 6), each with its common terms shared.
INLINE void input_1d(const v16 d[6], v16 r[6]) {
    const v16 a = d[4] - 4 * d[2], b = d[3] - 4 * d[1], c = d[4] - d[2], e = 2 * (d[3] - d[1]);
    r[0] = 4 * d[0] - 5 * d[2] + d[4];
    r[1] = a + b;
    r[2] = a - b;
    r[3] = c + e;
    r[4] = c - e;
    r[5] = 4 * d[1] - 5 * d[3] + d[5];
}

INLINE void output_1d(const v16 m[6], v16 o[4]) {
    const v16 s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
    o[0] = m[0] + s12 + s34;
    o[1] = d12 + 2 * d34;
    o[2] = s12 + 4 * s34;
    o[3] = d12 + 8 * d34 + m[5];
}

INLINE void gradient_1d(const v16 e[4], v16 m[6]) {
    const v16 s02 = e[0] + e[2], s13 = e[1] + e[3], f02 = e[0] + 4 * e[2], f13 = 2 * e[1] + 8 * e[3];
    m[0] = e[0];
    m[1] = s02 + s13;
    m[2] = s02 - s13;
    m[3] = f02 + f13;
    m[4] = f02 - f13;
    m[5] = e[3];
}

// The tile at (th, tw) of one sample's image x [H][W][I], B^T d B, into V[ξ][t][I] of a group of T;
// the pixels outside the image are zeros.
INLINE void input_tile(const float *x, long H, long W, long I, long th, long tw, float *V, long t, long T) {
    for (long c = 0; c < I; c += 16) {
        v16 r[6][6];
        UNROLLED for (int b = 0; b < 6; b++) {
            const long iw = 4 * tw - 1 + b;
            v16 d[6], col[6];
            UNROLLED for (int a = 0; a < 6; a++) {
                const long ih = 4 * th - 1 + a;
                d[a] = ih >= 0 && ih < H && iw >= 0 && iw < W ? LD(x + (ih * W + iw) * I + c) : (v16){};
            }
            input_1d(d, col);
            UNROLLED for (int a = 0; a < 6; a++) r[a][b] = col[a];
        }
        UNROLLED for (int a = 0; a < 6; a++) {
            v16 row[6];
            input_1d(r[a], row);
            UNROLLED for (int b = 0; b < 6; b++) ST(V + ((a * 6 + b) * T + t) * I + c, row[b]);
        }
    }
}

// Row a (0..<4) of the output tile at (th, tw) in y [H][W][O]: 4 x O floats.
INLINE float *tile_row(float *y, long W, long O, long th, long tw, int a) { return y + ((4 * th + a) * W + 4 * tw) * O; }

// Tile t's outputs A^T M A into y [H][W][O] at (th, tw), or added to it.
INLINE void output_tile(const float *M, float *y, long W, long O, long th, long tw, long t, long T, int accumulate) {
    for (long k = 0; k < O; k += 16) {
        v16 r[4][6];
        UNROLLED for (int b = 0; b < 6; b++) {
            v16 m[6], col[4];
            UNROLLED for (int a = 0; a < 6; a++) m[a] = LD(M + ((a * 6 + b) * T + t) * O + k);
            output_1d(m, col);
            UNROLLED for (int a = 0; a < 4; a++) r[a][b] = col[a];
        }
        UNROLLED for (int a = 0; a < 4; a++) {
            v16 row[4];
            output_1d(r[a], row);
            float *p = tile_row(y, W, O, th, tw, a) + k;
            UNROLLED for (int b = 0; b < 4; b++) ST(p + b * O, accumulate ? LD(p + b * O) + row[b] : row[b]);
        }
    }
}

// The output-gradient tile at (th, tw) of dy [H][W][O], A e A^T, into D[ξ][t][O].
INLINE void gradient_tile(const float *dy, long W, long O, long th, long tw, float *D, long t, long T) {
    for (long k = 0; k < O; k += 16) {
        v16 r[6][4];
        UNROLLED for (int b = 0; b < 4; b++) {
            v16 e[4], col[6];
            UNROLLED for (int a = 0; a < 4; a++) e[a] = LD(dy + ((4 * th + a) * W + 4 * tw + b) * O + k);
            gradient_1d(e, col);
            UNROLLED for (int a = 0; a < 6; a++) r[a][b] = col[a];
        }
        UNROLLED for (int a = 0; a < 6; a++) {
            v16 row[6];
            gradient_1d(r[a], row);
            UNROLLED for (int b = 0; b < 6; b++) ST(D + ((a * 6 + b) * T + t) * O + k, row[b]);
        }
    }
}

// --- Forward -------------------------------------------------------------------------------------

// Tiles a forward group holds: T x OB accumulators stay in registers across the input channels.
#define FORWARD_TILES 8
// Outputs of at least this many bytes an image have a group's output lines fetched before its
// products (see forward_tiles).
#define FETCH_OUTPUT_IMAGE_BYTES 65536

// One transform point's product for tiles t0..<t0 + TB of the group, OB blocks of 16 outputs from
// k0: M[t][k] = Σ_i V[t][i] U[i][k], each V value broadcast to OB multiply-adds. The TB x OB
// accumulators and OB weight vectors stay in registers: 8 x 2 with AVX-512's 32, 4 x 1 where a
// 16-lane vector takes two of 16 registers (AVX2, where 8 x 2 spilled: WIDE_REGISTERS).
INLINE void forward_product(const float *V, const float *U, float *M, long I, long O, long k0, long t0, const int TB, const int OB) {
    v16 acc[FORWARD_TILES][2];
    UNROLLED for (int t = 0; t < TB; t++) UNROLLED for (int b = 0; b < OB; b++) acc[t][b] = (v16){};
    for (long i = 0; i < I; i++) {
        v16 u[2];
        UNROLLED for (int b = 0; b < OB; b++) u[b] = LD(U + i * O + k0 + 16 * b);
        UNROLLED for (int t = 0; t < TB; t++) {
            const float v = V[(t0 + t) * I + i];
            UNROLLED for (int b = 0; b < OB; b++) acc[t][b] += v * u[b];
        }
    }
    UNROLLED for (int t = 0; t < TB; t++) UNROLLED for (int b = 0; b < OB; b++) ST(M + (t0 + t) * O + k0 + 16 * b, acc[t][b]);
}

// One transform point's products for the whole group, in the register blocks this CPU holds.
INLINE void forward_products(const float *V, const float *U, float *M, long I, long O, int wideRegisters) {
    if (wideRegisters) {
        long k0 = 0;
        for (; k0 + 32 <= O; k0 += 32) forward_product(V, U, M, I, O, k0, 0, FORWARD_TILES, 2);
        if (k0 < O) forward_product(V, U, M, I, O, k0, 0, FORWARD_TILES, 1);
    } else {
        for (long k0 = 0; k0 < O; k0 += 16)
            for (long t0 = 0; t0 < FORWARD_TILES; t0 += FORWARD_TILES / 2) forward_product(V, U, M, I, O, k0, t0, FORWARD_TILES / 2, 1);
    }
}

// Samples n0..<n1 of x [N][H][W][I] into y [N][H][W][O], with V and M a group's scratch.
INLINE void forward_tiles(const float *x, const float *U, float *y, long n0, long n1, long H, long W, long I, long O, int accumulate,
                          float *V, float *M) {
    const long T = FORWARD_TILES, tiles = H * W / 16, TW = W / 4, end = n1 * tiles;
    // The lines each tile stores to are fetched while the group's products compute: an ordinary
    // store reads its line first, and a tile's stores go to four image rows at once. On ResNet-20's
    // 16-channel 32 x 32 maps (64 KB an image) the forward took 0.9-2.9 ms and the input gradient
    // 1.0-2.2 ms less a step; at 32 and 64 channels (32 and 16 KB) no gain, or a loss (performance
    // log, 2026-12-06 evening).
    const int fetchOutput = H * W * O * (long)sizeof(float) >= FETCH_OUTPUT_IMAGE_BYTES, wide = WIDE_REGISTERS();
    for (long g = n0 * tiles; g < end; g += T) {
        const long nt = MIN(T, end - g);  // a short last group computes stale tiles and stores none of them
        for (long t = 0; t < nt; t++) {
            const long n = (g + t) / tiles, l = (g + t) % tiles;
            input_tile(x + n * H * W * I, H, W, I, l / TW, l % TW, V, t, T);
            if (fetchOutput)
                UNROLLED for (int a = 0; a < 4; a++) {
                    const float *p = tile_row(y + n * H * W * O, W, O, l / TW, l % TW, a);
                    for (long f = 0; f < 4 * O; f += 16) PREFETCH_L2(p + f);
                }
        }
        for (int xi = 0; xi < 36; xi++) forward_products(V + xi * T * I, U + xi * I * O, M + xi * T * O, I, O, wide);
        for (long t = 0; t < nt; t++) {
            const long n = (g + t) / tiles, l = (g + t) % tiles;
            output_tile(M, y + n * H * W * O, W, O, l / TW, l % TW, t, T, accumulate);
        }
    }
}

// A group's scratch, zeroed so that a short group's stale tiles are finite: V, then M.
static float *forward_scratch(long I, long O) {
    const size_t bytes = (size_t)(36 * FORWARD_TILES * (I + O)) * sizeof(float);
    float *s = aligned_alloc(64, bytes);
    if (s) memset(s, 0, bytes);
    return s;
}

CLONES int funnel_winograd4x3_forward_samples(const float *x, const float *U, float *y, long n0, long n1, long H, long W, long I, long O,
                                              int accumulate) {
    float *s = forward_scratch(I, O);
    if (!s) return -1;
    forward_tiles(x, U, y, n0, n1, H, W, I, O, accumulate, s, s + 36 * FORWARD_TILES * I);
    free(s);
    return 0;
}

// --- Weight gradient -----------------------------------------------------------------------------

// Tiles a weight-gradient group holds: 16 kept V and D in L1 on ResNet-20's shapes and measured
// 1.1-1.5x the direct kernel; 64 were slower (0.95-1.1x), V and D no longer fitting.
#define GRADIENT_TILES 16

// dU[i][k] += Σ_t V[t][i] D[t][k] for JB input channels from i0 and 16 outputs from k0 over nt
// tiles, the JB accumulators in registers: 16 with AVX-512's 32 registers, 4 with AVX2's 16.
INLINE void gradient_product(const float *V, const float *D, float *dU, long I, long O, long i0, long k0, long nt, const int JB) {
    v16 acc[16];
    UNROLLED for (int j = 0; j < JB; j++) acc[j] = LD(dU + (i0 + j) * O + k0);
    for (long t = 0; t < nt; t++) {
        const v16 d = LD(D + t * O + k0);
        UNROLLED for (int j = 0; j < JB; j++) acc[j] += V[t * I + i0 + j] * d;
    }
    UNROLLED for (int j = 0; j < JB; j++) ST(dU + (i0 + j) * O + k0, acc[j]);
}

// One transform point's weight sums over the group's nt tiles, in the register blocks this CPU holds
// (the block is a constant in each call, so that its loops unroll).
INLINE void gradient_products(const float *V, const float *D, float *dU, long I, long O, long nt, int wideRegisters) {
    if (wideRegisters) {
        for (long i0 = 0; i0 < I; i0 += 16)
            for (long k0 = 0; k0 < O; k0 += 16) gradient_product(V, D, dU, I, O, i0, k0, nt, 16);
    } else {
        for (long i0 = 0; i0 < I; i0 += 4)
            for (long k0 = 0; k0 < O; k0 += 16) gradient_product(V, D, dU, I, O, i0, k0, nt, 4);
    }
}

// The taps G^T dU G of every (o, i) into dw, Funnel's (o, ky, kx, i), 16 outputs a vector.
INLINE void gradient_taps(const float *dU, float *dw, long I, long O) {
    for (long i = 0; i < I; i++)
        for (long o0 = 0; o0 < O; o0 += 16) {
            v16 t[3][6];  // G^T dU
            UNROLLED for (int ky = 0; ky < 3; ky++)
                UNROLLED for (int b = 0; b < 6; b++) {
                    v16 s = (v16){};
                    UNROLLED for (int a = 0; a < 6; a++) if (G[a][ky] != 0) s += G[a][ky] * LD(dU + ((a * 6 + b) * I + i) * O + o0);
                    t[ky][b] = s;
                }
            UNROLLED for (int ky = 0; ky < 3; ky++)
                UNROLLED for (int kx = 0; kx < 3; kx++) {
                    v16 s = (v16){};
                    UNROLLED for (int b = 0; b < 6; b++) if (G[b][kx] != 0) s += t[ky][b] * G[b][kx];
                    float lanes[16];
                    ST(lanes, s);
                    for (int j = 0; j < 16; j++) dw[(((o0 + j) * 3 + ky) * 3 + kx) * I + i] = lanes[j];
                }
        }
}

// Pieces p0..<p1 of the batch (piece p: samples N p / pieces ..< N (p + 1) / pieces), each piece's
// sums into sums + p 9 I O. With UT (the turned weights, transformed for an O -> I convolution), each
// sample's input gradient into dx first, before the group that reaches it: its dy is then in cache
// for the group's transforms.
INLINE int weight_pieces(const float *x, const float *dy, float *sums, const float *UT, float *dx, int accumulate, long p0, long p1,
                         long pieces, long N, long H, long W, long I, long O) {
    const long T = GRADIENT_TILES, tiles = H * W / 16, TW = W / 4;
    const size_t bytes = (size_t)(36 * (T * (I + O) + I * O)) * sizeof(float);
    float *V = aligned_alloc(64, bytes), *forward = UT ? forward_scratch(O, I) : NULL;
    if (!V || (UT && !forward)) { free(V); free(forward); return -1; }
    float *D = V + 36 * T * I, *dU = D + 36 * T * O;
    const int wide = WIDE_REGISTERS();
    for (long p = p0; p < p1; p++) {
        memset(dU, 0, (size_t)(36 * I * O) * sizeof(float));
        const long first = N * p / pieces, end = N * (p + 1) / pieces;
        long dxEnd = first;  // samples whose input gradient is done
        for (long g = first * tiles; g < end * tiles; g += T) {
            const long nt = MIN(T, end * tiles - g), reach = (g + nt - 1) / tiles + 1;
            if (UT && dxEnd < reach) {
                forward_tiles(dy, UT, dx, dxEnd, reach, H, W, O, I, accumulate, forward, forward + 36 * FORWARD_TILES * O);
                dxEnd = reach;
            }
            for (long t = 0; t < nt; t++) {
                const long n = (g + t) / tiles, l = (g + t) % tiles;
                input_tile(x + n * H * W * I, H, W, I, l / TW, l % TW, V, t, T);
                gradient_tile(dy + n * H * W * O, W, O, l / TW, l % TW, D, t, T);
            }
            for (int xi = 0; xi < 36; xi++) gradient_products(V + xi * T * I, D + xi * T * O, dU + xi * I * O, I, O, nt, wide);
        }
        gradient_taps(dU, sums + p * 9 * I * O, I, O);
    }
    free(V);
    free(forward);
    return 0;
}

CLONES int funnel_winograd4x3_weight_sums_pieces(const float *x, const float *dy, float *sums, long p0, long p1, long pieces, long N,
                                                 long H, long W, long I, long O) {
    return weight_pieces(x, dy, sums, NULL, NULL, 0, p0, p1, pieces, N, H, W, I, O);
}

CLONES int funnel_winograd4x3_backward_pieces(const float *x, const float *dy, const float *UT, float *dx, int accumulate, float *sums,
                                              long p0, long p1, long pieces, long N, long H, long W, long I, long O) {
    return weight_pieces(x, dy, sums, UT, dx, accumulate, p0, p1, pieces, N, H, W, I, O);
}
