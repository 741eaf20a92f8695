// DY-ReLU with two pieces (the paper's default K = 2) over one sample, channels-last [P, C] with C a
// multiple of 16 (see DynamicReLUKernel.swift).
//
// Why C: per 16-channel block the four coefficient vectors and the four gradient sums stay in
// registers across all positions; the Swift loop kept the sums in memory and ran at a third of
// the memory bandwidth. Each position's channels are 16-wide vectors with FMA (AVX-512 where the
// CPU has it, via target_clones).
#include "CKernels.h"
#include "vectors.h"

CLONES
void funnel_dyrelu2_forward(const float *restrict x, const float *restrict a, const float *restrict b,
                            float *restrict y, long positions, long C) {
    for (long cb = 0; cb < C; cb += 16) {
        const v16 a0 = LD(a + cb), a1 = LD(a + C + cb), b0 = LD(b + cb), b1 = LD(b + C + cb);
        for (long p = 0; p < positions; p++) {
            const long o = p * C + cb;
            const v16 xv = LD(x + o), v0 = AFFINE(a0, xv, b0), v1 = AFFINE(a1, xv, b1);
            ST(y + o, SELECT(v1 > v0, v1, v0));
        }
    }
}

CLONES
void funnel_dyrelu2_backward(const float *restrict x, const float *restrict g, const float *restrict a,
                             const float *restrict b, float *restrict dx, float *restrict da, float *restrict db,
                             long positions, long C) {
    const v16 zero = {0};
    for (long cb = 0; cb < C; cb += 16) {
        const v16 a0 = LD(a + cb), a1 = LD(a + C + cb), b0 = LD(b + cb), b1 = LD(b + C + cb);
        v16 sa0 = zero, sa1 = zero, sb0 = zero, sb1 = zero;
        for (long p = 0; p < positions; p++) {
            const long o = p * C + cb;
            const v16 xv = LD(x + o), gv = LD(g + o);
            // The second piece wins only when strictly greater: ties go to the first, as torch.max.
            const v16 g1 = SELECT(AFFINE(a1, xv, b1) > AFFINE(a0, xv, b0), gv, zero), g0 = gv - g1;
            ST(dx + o, g0 * a0 + g1 * a1);
            sa0 += g0 * xv; sa1 += g1 * xv;
            sb0 += g0; sb1 += g1;
        }
        ST(da + cb, LD(da + cb) + sa0); ST(da + C + cb, LD(da + C + cb) + sa1);
        ST(db + cb, LD(db + cb) + sb0); ST(db + C + cb, LD(db + C + cb) + sb1);
    }
}

// DY-ReLU after a batch norm: the activation's input u = an (x - mean) + beta (+ s, a residual,
// when s is not NULL) is recomputed from the norm's input x wherever it is needed, never stored;
// norm = [an, mean, beta]. Why: the norm's output pass, the activation's pass and its pooling
// become one pass forward, and backward needs two, as a batch norm with a fused ReLU.
//
// The sums pass walks a sample tile by tile (TILE_BYTES of each tensor), each tile block by block
// with the block's coefficients and sums in registers: the blocks after a tile's first find its
// lines in L1, where walking the whole sample block by block read every tensor C / 16 times at a
// stride of C floats. Outputs are streamed past the caches when the calling thread's share of them,
// `chunk_bytes`, is large (see STREAMS in vectors.h).
#define NORM_INPUT(o)                                                  \
    const v16 xc = LD(x + (o)) - m;                                    \
    v16 u = AFFINE(an, xc, beta);                                      \
    if (s) u += LD(s + (o));

#define TILE_BYTES 8192
static inline long tile_positions(long C) { return C * (long)sizeof(float) >= TILE_BYTES ? 1 : TILE_BYTES / (C * (long)sizeof(float)); }
// The tiles of positions 0..<positions: p0..<p1 each.
#define FOR_TILES(p0, p1, positions, C)                                                      \
    for (long p0 = 0, tile_ = tile_positions(C), p1 = MIN(tile_, (positions)); p0 < (positions); \
         p0 = p1, p1 = MIN(p1 + tile_, (positions)))

// The output and gradient passes walk a sample position by position, all channel blocks of one
// position before the next, as batch norm's passes do: each tensor is read in order, and the
// blocks' coefficients come from L1 (at 16 channels, one block, the compiler keeps them in
// registers: the callers pass C as the constant 16 there). Walked in tiles of positions, block by
// block, as the sums pass is, they ran 1.3-1.8x slower at 32-512 channels on the AMD instance
// (performance log); the sums pass, which keeps six sums a block, was not faster this way.
// With `sums`, also Σ_p y per channel, added to sums[0..<C]: the output's pooled values, which
// the next block's end would otherwise read the whole output again for (it is that block's
// residual; DynamicReLUKernel.normForward). Kept in Float for SUM_POSITIONS positions, then added
// to the Double totals; in registers for the channel counts passed as constants (16, 32, 64).
#define SUM_POSITIONS 256
static inline __attribute__((always_inline)) void norm_forward_positions(
    const float *restrict x, const float *restrict s, const float *restrict norm, const float *restrict a,
    const float *restrict b, float *restrict y, double *restrict sums, long positions, long C, int stream) {
    v16 acc[C / 16];
    for (long k = 0; k < C / 16; k++) acc[k] = (v16){0};
    for (long p = 0; p < positions; p++) {
        for (long cb = 0; cb < C; cb += 16) {
            const long o = p * C + cb;
            const v16 an = LD(norm + cb), m = LD(norm + C + cb), beta = LD(norm + 2 * C + cb);
            NORM_INPUT(o)
            const v16 v0 = AFFINE(LD(a + cb), u, LD(b + cb)), v1 = AFFINE(LD(a + C + cb), u, LD(b + C + cb));
            const v16 out = SELECT(v1 > v0, v1, v0);
            STREAM(y + o, out, stream);
            if (sums) acc[cb / 16] += out;
        }
        if (sums && ((p + 1) % SUM_POSITIONS == 0 || p == positions - 1)) {
            for (long cb = 0; cb < C; cb += 16) {
                for (int i = 0; i < 16; i++) sums[cb + i] += acc[cb / 16][i];
                acc[cb / 16] = (v16){0};
            }
        }
    }
}

CLONES
void funnel_dyrelu2_norm_forward(const float *restrict x, const float *restrict s, const float *restrict norm,
                                 const float *restrict a, const float *restrict b, float *restrict y, double *restrict sums,
                                 long positions, long C, long chunk_bytes) {
    const int stream = STREAMS(y, chunk_bytes);
    if (C == 16) norm_forward_positions(x, s, norm, a, b, y, sums, positions, 16, stream);
    else if (C == 32) norm_forward_positions(x, s, norm, a, b, y, sums, positions, 32, stream);
    else if (C == 64) norm_forward_positions(x, s, norm, a, b, y, sums, positions, 64, stream);
    else norm_forward_positions(x, s, norm, a, b, y, sums, positions, C, stream);
    if (stream) STREAM_FENCE();
}

// The six sums of norm_sums, kept in Float for SUM_POSITIONS positions, then added to the Double totals.
#define NORM_SUM_SLOTS 6

CLONES
void funnel_dyrelu2_norm_sums(const float *restrict x, const float *restrict s, const float *restrict g,
                              const float *restrict norm, const float *restrict a, const float *restrict b,
                              double *restrict sums, long positions, long C) {
    const long blocks = C / 16;
    v16 acc[NORM_SUM_SLOTS * blocks];
    for (long k = 0; k < NORM_SUM_SLOTS * blocks; k++) acc[k] = (v16){0};
    long pending = 0;
    FOR_TILES(p0, p1, positions, C) {
        for (long cb = 0; cb < C; cb += 16) {
            const v16 an = LD(norm + cb), m = LD(norm + C + cb), beta = LD(norm + 2 * C + cb);
            const v16 a0 = LD(a + cb), a1 = LD(a + C + cb), b0 = LD(b + cb), b1 = LD(b + C + cb), zero = {0};
            v16 t[NORM_SUM_SLOTS] = {zero, zero, zero, zero, zero, zero};
            for (long p = p0; p < p1; p++) {
                const long o = p * C + cb;
                NORM_INPUT(o)
                const v16 gv = LD(g + o);
                // Ties go to the first piece, as in funnel_dyrelu2_backward.
                const v16 g1 = SELECT(AFFINE(a1, u, b1) > AFFINE(a0, u, b0), gv, zero), g0 = gv - g1;
                t[0] += g0; t[1] += g1;
                t[2] += g0 * u; t[3] += g1 * u;
                t[4] += g0 * xc; t[5] += g1 * xc;
            }
            for (int k = 0; k < NORM_SUM_SLOTS; k++) acc[k * blocks + cb / 16] += t[k];
        }
        pending += p1 - p0;
        if (pending >= SUM_POSITIONS || p1 == positions) {
            for (long k = 0; k < NORM_SUM_SLOTS * blocks; k++) {
                for (int i = 0; i < 16; i++) sums[k * 16 + i] += acc[k][i];
                acc[k] = (v16){0};
            }
            pending = 0;
        }
    }
}

static inline __attribute__((always_inline)) void norm_backward_positions(
    const float *restrict x, const float *restrict s, const float *restrict g, const float *restrict norm,
    const float *restrict a, const float *restrict b, const float *restrict pooled, float *restrict dx,
    float *restrict ds, long positions, long C, int stream) {
    const v16 zero = {0};
    for (long p = 0; p < positions; p++)
        for (long cb = 0; cb < C; cb += 16) {
            const long o = p * C + cb;
            const v16 an = LD(norm + cb), m = LD(norm + C + cb), beta = LD(norm + 2 * C + cb);
            const v16 a0 = LD(a + cb), a1 = LD(a + C + cb);
            NORM_INPUT(o)
            const v16 gv = LD(g + o);
            const v16 g1 = SELECT(AFFINE(a1, u, LD(b + C + cb)) > AFFINE(a0, u, LD(b + cb)), gv, zero), g0 = gv - g1;
            const v16 du = g0 * a0 + g1 * a1 + LD(pooled + cb);
            if (ds) STREAM(ds + o, du, stream);
            STREAM(dx + o, an * du - LD(norm + 3 * C + cb) - xc * LD(norm + 4 * C + cb), stream);
        }
}

CLONES
void funnel_dyrelu2_norm_backward(const float *restrict x, const float *restrict s, const float *restrict g,
                                  const float *restrict norm, const float *restrict a, const float *restrict b,
                                  const float *restrict pooled, float *restrict dx, float *restrict ds,
                                  long positions, long C, long chunk_bytes) {
    const int stream = STREAMS(dx, chunk_bytes) && (!ds || STREAMS(ds, chunk_bytes));
    if (C == 16) norm_backward_positions(x, s, g, norm, a, b, pooled, dx, ds, positions, 16, stream);
    else norm_backward_positions(x, s, g, norm, a, b, pooled, dx, ds, positions, C, stream);
    if (stream) STREAM_FENCE();
}
