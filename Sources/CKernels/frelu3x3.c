// FReLU with a 3x3 window, y = max(x, a t + b), t = DWConv(x) + bias, on channels-last image rows
// (see CKernels.h).
//
// Why C: the loops need 16-wide vectors with FMA and a fully unrolled 3x3 window whose nine weight
// vectors stay in registers; clang's target_clones builds AVX-512, AVX2 and baseline versions and
// the loader picks one. Why these passes: backward, the split of the gradient (gx for x, gt for the
// condition) is computed for the three output rows a window touches into a small ring that stays
// in cache and feeds the convolution's backward at once, so gt never reaches memory; its rows are
// padded with zeros, so the backward window never takes a clipped path (8x8 maps are nearly half
// border). Recomputing t in each pass instead of storing it was measured slower at every ResNet
// width: at 16-64 channels the direct convolution costs more than reading t back. Large y and dx
// are written with streaming stores, t and the residual's gradient at any size (vectors.h).
//
// An input norm (the batch norm before FReLU in a ResNet block, `norm` = [a, mean, beta]) makes
// the kernels read z and use x = a (z - mean) + beta wherever they read x: the norm's output is
// never stored. Backward gets the norm's sums (Σ dx, Σ dx (z - mean)) before dx exists: dx is
// linear in gt, whose centring is known only after the first pass, so that pass takes the sums
// they follow from (backward_norm_sums_rows, FReLUInputNormPartials.swift), and the second pass
// writes the norm's input gradient directly instead of dx followed by a pass of the norm's own.
// A residual added after the norm (`res`, a block's end) is read beside z the same way: the sum
// x = a (z - mean) + beta + res is never stored, and the second backward pass writes dx as the
// residual's gradient beside dz.
#include <stdlib.h>
#include <string.h>
#include "CKernels.h"
#include "vectors.h"

// Float sums run over this many image rows before they are added to the Double totals.
#define FLUSH_ROWS 8
// Bytes of image rows r0..<r1 of W x C floats: one thread's chunk of an output (see STREAMS).
#define ROWS_BYTES(r0, r1, W, C) (((r1) - (r0)) * (W) * (C) * (long)sizeof(float))
// Rows at least this large fetch the next row ahead in the forward's first pass (see there).
#define FETCH_ROW_BYTES 8192
// The backward passes fetch the rows they read next at least this far ahead: three of ResNet-20's
// 2 KB rows, one row from 6 KB. A 2 KB row takes a few hundred nanoseconds, about a miss's latency
// when other tenants load the memory: one row ahead, the two passes took 1.3-4.1 ms a ResNet-20
// step longer in four paired runs; two rows and six did worse than three (performance log,
// 2026-12-07).
#define FETCH_AHEAD_BYTES 6144

// Rows a backward pass fetches ahead (FETCH_AHEAD_BYTES).
INLINE long rows_ahead(long W, long C) {
    const long row = ROWS_BYTES(0, 1, W, C);
    return MAX(1, (FETCH_AHEAD_BYTES + row - 1) / row);
}

// Zeroed scratch (rings of rows, vector sums) on a 64-byte boundary. The passes read and write it
// as whole 16-float vectors; on malloc's 16-byte alignment every such access spans two cache lines,
// which made the backward pass's window a fifth slower on the AMD instance (performance log).
static void *scratch(size_t bytes) {
    bytes = (bytes + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

// Each pass keeps the three input rows around output row r (image row h) in a ring, image row q
// in slot (q + 1) % 3: this loops q over the rows to bring in, all of h - 1..h + 1 inside the
// image at a chunk's or an image's first row, else only h + 1 (h - 1 and h are there already).
#define FOR_NEW_RING_ROWS(q, r, r0, h, H) for (long q = ((r) == (r0) || (h) == 0) ? MAX((h) - 1, 0) : (h) + 1; q <= MIN((h) + 1, (H) - 1); q++)

// Channels above this run position by position (all channel blocks of one position, then the
// next); at or below it, channel block by block along the row, the block's nine weight vectors in
// registers. With 256 channels or more, walking one block along a row strides 1-8 KB, and the 30
// lines of a window map to the same few L1 sets: measured 3-5x slower at 1024 and 2048 channels.
#define WIDE_CHANNELS 128

// `start` plus a full window's taps, row by row (rows a, b, c at columns 0, 1, 2) times the weights
// w0..w8 in scope: each row's three products summed, the first row's onto `start`, then the rows;
// three short chains instead of one of nine keep more windows in flight, and `start` (a bias, the
// max's share of the gradient) costs no addition of its own. Every full window of this file sums
// this way. (Not bitwise alike: which product the compiler fuses into each multiply-add varies with
// the loop around it, and the two forward paths, narrow and wide, differed in the last bit in a
// harness. No layer runs both.)
#define WINDOW_SUM(start, a0, a1, a2, b0, b1, b2, c0, c1, c2) \
    (((start) + (a0) * w0 + (a1) * w1 + (a2) * w2) + ((b0) * w3 + (b1) * w4 + (b2) * w5) + ((c0) * w6 + (c1) * w7 + (c2) * w8))

// Column w's window over one channel block into `out`, from that block of the input rows above,
// at and below (p0, p1, p2; p0 or p2 NULL outside the image) and the block's nine tap weights
// w0..w8 (in scope), clipped at the border: there the taps inside are added one by one in tap
// order, the sums a clipped window of any other pass makes too.
#define CONV_AT(w, out)                                                                                     \
    do {                                                                                                    \
        v16 acc_ = bias ? LD(bias + cb) : (v16){0};                                                         \
        const long l_ = ((w) - 1) * C, c_ = (w) * C, r_ = ((w) + 1) * C;                                    \
        if (p0 && p2 && (w) > 0 && (w) < W - 1) {                                                           \
            acc_ = WINDOW_SUM(acc_, LD(p0 + l_), LD(p0 + c_), LD(p0 + r_), LD(p1 + l_), LD(p1 + c_), LD(p1 + r_), \
                              LD(p2 + l_), LD(p2 + c_), LD(p2 + r_));                                        \
        } else {                                                                                            \
            const int left = (w) > 0, right = (w) < W - 1;                                                  \
            if (p0) { if (left) acc_ += LD(p0 + l_) * w0; acc_ += LD(p0 + c_) * w1; if (right) acc_ += LD(p0 + r_) * w2; } \
            if (left) acc_ += LD(p1 + l_) * w3;                                                             \
            acc_ += LD(p1 + c_) * w4;                                                                       \
            if (right) acc_ += LD(p1 + r_) * w5;                                                            \
            if (p2) { if (left) acc_ += LD(p2 + l_) * w6; acc_ += LD(p2 + c_) * w7; if (right) acc_ += LD(p2 + r_) * w8; } \
        }                                                                                                   \
        out = acc_;                                                                                         \
    } while (0)

// A 3x3 window sliding along rows p0, p1, p2 padded with a zero column each side (the backward
// passes; the forward slides it along unpadded rows between their first and last columns):
// q<i><j> is row i's padded column w + j. SLIDING_WINDOW_LOAD(w) loads column w + 2 and
// SLIDING_WINDOW_SHIFT moves columns w + 1, w + 2 to the next step's w, w + 1 in registers, so a
// step loads three vectors, not nine.
#define SLIDING_WINDOW_START v16 q00 = LD(p0), q01 = LD(p0 + C), q10 = LD(p1), q11 = LD(p1 + C), q20 = LD(p2), q21 = LD(p2 + C)
#define SLIDING_WINDOW_LOAD(w) const v16 q02 = LD(p0 + ((w) + 2) * C), q12 = LD(p1 + ((w) + 2) * C), q22 = LD(p2 + ((w) + 2) * C)
#define SLIDING_WINDOW_SHIFT \
    do { q00 = q01; q01 = q02; q10 = q11; q11 = q12; q20 = q21; q21 = q22; } while (0)

// The block's nine tap weights and its input rows, for CONV_AT.
#define WINDOW_SETUP(cb)                                                                                    \
    const float *wb = weight + (cb);                                                                        \
    const v16 w0 = LD(wb), w1 = LD(wb + C), w2 = LD(wb + 2 * C), w3 = LD(wb + 3 * C), w4 = LD(wb + 4 * C),  \
              w5 = LD(wb + 5 * C), w6 = LD(wb + 6 * C), w7 = LD(wb + 7 * C), w8 = LD(wb + 8 * C);           \
    const float *p0 = top ? top + (cb) : NULL, *p1 = mid + (cb), *p2 = bottom ? bottom + (cb) : NULL

// One row of t into tRow (W x C) from the input rows above, at and below it (top and bottom
// NULL outside the image), streamed past the caches when `stream`; with `acc`, adds the row's Σt
// and Σt² per 16-channel block to acc[0..C/16) and acc[C/16..2C/16). Weights are tap-major, [9][C].
static inline __attribute__((always_inline)) void conv_row(const float *top, const float *mid, const float *bottom,
                                                           const float *restrict weight, const float *restrict bias,
                                                           float *restrict tRow, v16 *restrict acc, int stream, long W, long C) {
    v16 tv;
    if (C > WIDE_CHANNELS) {
        for (long w = 0; w < W; w++)
            for (long cb = 0; cb < C; cb += 16) {
                WINDOW_SETUP(cb);
                CONV_AT(w, tv);
                STREAM(tRow + w * C + cb, tv, stream);
                if (acc) { acc[cb / 16] += tv; acc[C / 16 + cb / 16] += tv * tv; }
            }
    } else {
        // Block by block along the row, the sums in registers (a block's sum in memory would be
        // one dependency chain through store and load).
        for (long cb = 0; cb < C; cb += 16) {
            WINDOW_SETUP(cb);
            v16 sum = {0}, squares = {0};
#define EMIT(w) do { STREAM(tRow + (w) * C + cb, tv, stream); sum += tv; squares += tv * tv; } while (0)
            if (p0 && p2 && W > 2) {
                // A row inside the image: its first and last columns clipped, the columns between
                // through a window sliding in registers, three loads a step instead of nine (the
                // pass took a quarter to a third less time at 16 channels).
                CONV_AT(0, tv);
                EMIT(0);
                const v16 b_ = bias ? LD(bias + cb) : (v16){0};
                SLIDING_WINDOW_START;
                for (long w = 1; w < W - 1; w++) {
                    SLIDING_WINDOW_LOAD(w - 1);
                    tv = WINDOW_SUM(b_, q00, q01, q02, q10, q11, q12, q20, q21, q22);
                    SLIDING_WINDOW_SHIFT;
                    EMIT(w);
                }
                CONV_AT(W - 1, tv);
                EMIT(W - 1);
            } else {
                for (long w = 0; w < W; w++) {
                    CONV_AT(w, tv);
                    EMIT(w);
                }
            }
#undef EMIT
            if (acc) { acc[cb / 16] += sum; acc[C / 16 + cb / 16] += squares; }
        }
    }
}

// Adds v16 sums kept in Float since the last flush into Double totals, and clears them.
static inline __attribute__((always_inline)) void flush(v16 *acc, long slots, long C, double *restrict sums) {
    for (long i = 0; i < slots; i++)
        for (long cb = 0; cb < C; cb += 16) {
            v16 *v = acc + i * (C / 16) + cb / 16;
            for (int c = 0; c < 16; c++) sums[i * C + cb + c] += (*v)[c];
            *v = (v16){0};
        }
}

static inline __attribute__((always_inline)) int should_flush(long r, long r0, long r1) { return (r - r0) % FLUSH_ROWS == FLUSH_ROWS - 1 || r == r1 - 1; }

#define ZEROS ((v16){0})
#define ONES (ZEROS + 1)
#define HALVES (ZEROS + 0.5f)

// x at one block of 16 channels from what is stored: itself, or with an input norm a (z - mean) + beta.
#define INPUT(v, cb) (norm ? AFFINE(LD(norm + (cb)), (v) - LD(norm + C + (cb)), LD(norm + 2 * C + (cb))) : (v))
// x at offset o of the 16-channel block cb: INPUT of what x stores there, plus the residual if any
// (added after the norm, as batch norm's own pass adds it).
#define INPUT_AT(o, cb) (res ? INPUT(LD(x + (o)), cb) + LD(res + (o)) : INPUT(LD(x + (o)), cb))
// The same value from `stored` (x's value at offset o) with flags hasNorm and hasRes and the
// norm's coefficients normScale, normMean, normBeta in registers: the backward passes' loops.
#define NORMED_FROM(stored) (hasNorm ? AFFINE(normScale, (stored) - normMean, normBeta) : (stored))
// v plus the residual at offset o when the flag hasRes says there is one.
#define PLUS_RESIDUAL(v, o) (hasRes ? (v) + LD_LIKE(v, res + (o)) : (v))
#define INPUT_FROM(stored, o) PLUS_RESIDUAL(NORMED_FROM(stored), o)

CLONES
int funnel_frelu3x3_forward_rows(const float *restrict x, const float *restrict norm, const float *restrict res,
                                 const float *restrict weight, const float *restrict bias, float *restrict t, double *restrict sums,
                                 long r0, long r1, long H, long W, long C) {
    const long rs = W * C;
    v16 *acc = scratch((size_t)(2 * (C / 16)) * sizeof(v16));  // Σt, Σt² per 16-channel block
    // With an input norm, three rows of x normalised from z (and the residual added; image row q in
    // slot (q + 1) % 3).
    float *ring = norm ? scratch((size_t)(3 * rs) * sizeof(float)) : NULL;
    if (!acc || (norm && !ring)) { free(acc); free(ring); return -1; }
    const int stream = STREAMS_READ_LATER(t, ROWS_BYTES(r0, r1, W, C));
    // With a norm, the row the next fill reads (global row r + 2) is fetched one line a step while
    // a row fills, on rows of FETCH_ROW_BYTES or more: read cold, the pass took 0.7-0.9x as long at
    // 64 channels on 32x32 and 128 on 16x16, 0.85-1.0x at 256 on 8x8, but 1.0-1.2x at 16 channels
    // on 32x32 (2 KB rows; performance log). It may stand in the fill loop since AFFINE fixed how
    // x is rounded (vectors.h).
    const int fetchAhead = ROWS_BYTES(0, 1, W, C) >= FETCH_ROW_BYTES;
    for (long r = r0; r < r1; r++) {
        const long h = r % H, image = r - h;
        if (norm) {
            const int ahead = fetchAhead && r + 2 < r1;
            const float *nextZ = ahead ? x + (r + 2) * rs : NULL, *nextR = ahead && res ? res + (r + 2) * rs : NULL;
            FOR_NEW_RING_ROWS(q, r, r0, h, H) {
                float *dst = ring + ((q + 1) % 3) * rs;
                const long src = (image + q) * rs;
                for (long w = 0; w < W; w++)
                    for (long cb = 0; cb < C; cb += 16) {
                        if (nextZ) { PREFETCH_L2(nextZ + w * C + cb); if (nextR) PREFETCH_L2(nextR + w * C + cb); }
                        ST(dst + w * C + cb, INPUT_AT(src + w * C + cb, cb));
                    }
            }
        }
        // Input row q: from the ring or x; NULL outside the image. The window is clipped at the
        // borders with or without a norm: the same sums in the same order, t bitwise what the
        // norm's stored output would give (a zero row summed in instead changes the rounding, and
        // with it which side of a near-tie max takes).
#define INPUT_ROW(q) ((q) < 0 || (q) >= H ? NULL : norm ? ring + (((q) + 1) % 3) * rs : x + (image + (q)) * rs)
        conv_row(INPUT_ROW(h - 1), INPUT_ROW(h), INPUT_ROW(h + 1), weight, bias, t + r * rs, sums ? acc : NULL, stream, W, C);
#undef INPUT_ROW
        if (sums && should_flush(r, r0, r1)) flush(acc, 2, C, sums);
    }
    STREAM_FENCE();
    free(acc);
    free(ring);
    return 0;
}

// The output at offsets o0..<o1, position by position: the tensors are read and written in order
// (see WIDE_CHANNELS). With `channels` a constant (16, 32 or 64, 0 for C as given), the loop over
// blocks unrolls and the coefficients stay in registers instead of being loaded at every position:
// in cache, the pass took 0.65-0.8x as long at 16 channels and 0.73-0.86x at 32 and 64
// (scripts/frelu3x3-ab.c, performance log, 2026-12-06).
static inline __attribute__((always_inline)) void output_range(const float *restrict x, const float *restrict norm, const float *restrict res,
                                                               const float *restrict t, const float *restrict coef, float *restrict y,
                                                               long o0, long o1, long C, int stream, const long channels) {
    if (channels) C = channels;
    for (long o = o0; o < o1; o += C)
        for (long cb = 0; cb < C; cb += 16) {
            const v16 xv = INPUT_AT(o + cb, cb), cond = AFFINE(LD(coef + cb), LD(t + o + cb), LD(coef + C + cb));
            STREAM(y + o + cb, SELECT(cond > xv, cond, xv), stream);
        }
}

CLONES
void funnel_frelu3x3_output_rows(const float *restrict x, const float *restrict norm, const float *restrict res,
                                 const float *restrict t, const float *restrict coef, float *restrict y, long r0, long r1, long W, long C) {
    const int stream = STREAMS(y, ROWS_BYTES(r0, r1, W, C));
    const long o0 = r0 * W * C, o1 = r1 * W * C;
    if (C == 16) output_range(x, norm, res, t, coef, y, o0, o1, C, stream, 16);
    else if (C == 32) output_range(x, norm, res, t, coef, y, o0, o1, C, stream, 32);
    else if (C == 64) output_range(x, norm, res, t, coef, y, o0, o1, C, stream, 64);
    else output_range(x, norm, res, t, coef, y, o0, o1, C, stream, 0);
    STREAM_FENCE();
}

// The condition's share of g at one block of 16 channels: all of it where a t + b > x, half at ties.
#define CONDITION_SHARE(cond, xv) SELECT((cond) > (xv), ONES, SELECT((cond) == (xv), HALVES, ZEROS))

CLONES
int funnel_frelu3x3_backward_sums_rows(const float *restrict g, const float *restrict x, const float *restrict t,
                                       const float *restrict coef, double *restrict sums, long r0, long r1, long W, long C) {
    // INPUT reads x as stored (with an input norm the first pass is backward_norm_sums_rows).
    const float *norm = NULL, *res = NULL;
    const float *a = coef, *b = coef + C, *mean = coef + 2 * C, *invStd = coef + 3 * C;
    v16 *acc = scratch((size_t)(2 * (C / 16)) * sizeof(v16));  // Σ gT, Σ gT·tHat per block
    if (!acc) return -1;
    for (long r = r0; r < r1; r++) {
        if (C > WIDE_CHANNELS) {
            for (long o = r * W * C; o < (r + 1) * W * C; o += C)
                for (long cb = 0; cb < C; cb += 16) {
                    const v16 tv = LD(t + o + cb);
                    const v16 gT = LD(g + o + cb) * CONDITION_SHARE(AFFINE(LD(a + cb), tv, LD(b + cb)), INPUT_AT(o + cb, cb));
                    acc[cb / 16] += gT;
                    acc[C / 16 + cb / 16] += gT * ((tv - LD(mean + cb)) * LD(invStd + cb));
                }
        } else {
            for (long cb = 0; cb < C; cb += 16) {
                const v16 av = LD(a + cb), bv = LD(b + cb), m = LD(mean + cb), is = LD(invStd + cb);
                v16 sumG = {0}, sumGTHat = {0};
                for (long w = 0; w < W; w++) {
                    const long o = (r * W + w) * C + cb;
                    const v16 tv = LD(t + o);
                    const v16 gT = LD(g + o) * CONDITION_SHARE(AFFINE(av, tv, bv), INPUT_AT(o, cb));
                    sumG += gT;
                    sumGTHat += gT * ((tv - m) * is);
                }
                acc[cb / 16] += sumG;
                acc[C / 16 + cb / 16] += sumGTHat;
            }
        }
        if (should_flush(r, r0, r1)) flush(acc, 2, C, sums);
    }
    free(acc);
    return 0;
}

// backward_norm_sums_rows's slots (see CKernels.h).
#define NORM_SUM_SLOTS 9

// With an input norm, x at offset o from zc = z - mean1 there: a1 zc + beta1, plus the residual if any.
#define NORMED_AT(zc, o) PLUS_RESIDUAL(AFFINE(a1, zc, beta1), o)

// With an input norm, gT and t - m at column w of the row (the same as the loop computes them).
#define NORM_GATE(w, gTOut, tcOut)                                                                \
    do {                                                                                          \
        const long o_ = (r * W + (w)) * C + cb;                                                   \
        const v16 t_ = LD(t + o_);                                                                \
        gTOut = LD(g + o_) * CONDITION_SHARE(AFFINE(av, t_, bv), NORMED_AT(LD(p1 + ((w) + 1) * C), o_)); \
        tcOut = t_ - m;                                                                           \
    } while (0)

// Row r's sums over every channel block, from the zc rows of the ring (tap row i in rows[i]) and
// the row's g, t and residual, into acc. A flag, not a pointer test, says whether there is a
// residual (as in window_row).
static inline __attribute__((always_inline)) void norm_sums_row(const float *restrict g, const float *restrict res, const float *restrict t,
                                                                const float *restrict norm, const float *restrict weight,
                                                                const float *restrict coef, const float *const rows[3],
                                                                const float *nextG, const float *nextT, const float *nextR,
                                                                const float *nextZ, v16 *restrict acc, long r, long h, long H,
                                                                long W, long C, const int hasRes) {
    const float *a = coef, *b = coef + C, *mean = coef + 2 * C, *invStd = coef + 3 * C;
    const long blocks = C / 16;
    for (long cb = 0; cb < C; cb += 16) {
        const float *wb = weight + cb;
        const v16 w0 = LD(wb), w1 = LD(wb + C), w2 = LD(wb + 2 * C), w3 = LD(wb + 3 * C), w4 = LD(wb + 4 * C),
                  w5 = LD(wb + 5 * C), w6 = LD(wb + 6 * C), w7 = LD(wb + 7 * C), w8 = LD(wb + 8 * C);
        const v16 av = LD(a + cb), bv = LD(b + cb), m = LD(mean + cb), is = LD(invStd + cb);
        const v16 a1 = LD(norm + cb), beta1 = LD(norm + 2 * C + cb);
        const float *p0 = rows[0] + cb, *p1 = rows[1] + cb, *p2 = rows[2] + cb;
        // The sums with tHat = (t - m) is take t - m, and is once a row: a multiply a vector fewer.
        v16 sumG = {0}, sumGTc = {0}, sumGx = {0}, sumGxZc = {0}, sumTc = {0}, sumGTU = {0}, sumU = {0}, sumTcU = {0};
        SLIDING_WINDOW_START;
        for (long w = 0; w < W; w++) {
            if (nextG) { PREFETCH_L2(nextG + w * C + cb); PREFETCH_L2(nextT + w * C + cb); }
            if (nextZ) PREFETCH_L2(nextZ + w * C + cb);
            if (hasRes && nextR) PREFETCH_L2(nextR + w * C + cb);
            const long o = (r * W + w) * C + cb;
            // u = DWConv(zc) without bias: the window's tap (i, j) reads row h + i - 1, padded column
            // w + j.
            SLIDING_WINDOW_LOAD(w);
            const v16 zc = q11;
            const v16 u = WINDOW_SUM(ZEROS, q00, q01, q02, q10, zc, q12, q20, q21, q22);
            SLIDING_WINDOW_SHIFT;
            const v16 tv = LD(t + o), gv = LD(g + o);
            // gx = g - gT is g (1 - share) exactly: the share is 0, 1/2 or 1.
            const v16 gT = gv * CONDITION_SHARE(AFFINE(av, tv, bv), NORMED_AT(zc, o)), gx = gv - gT, tc = tv - m;
            sumG += gT; sumGTc += gT * tc; sumGx += gx; sumGxZc += gx * zc; sumTc += tc;
            sumGTU += gT * u; sumU += u; sumTcU += tc * u;
        }
        // Σ f M over the row for f = gT, t - m, M = DWConv(1 inside the image): all taps' weight
        // S, less the taps that fall outside at the first and last column (L, R) and row (T, B),
        // plus the corner taps both take.
        const v16 S = w0 + w1 + w2 + w3 + w4 + w5 + w6 + w7 + w8, L = w0 + w3 + w6, R = w2 + w5 + w8;
        v16 gFirst, tFirst, gLast, tLast;
        NORM_GATE(0, gFirst, tFirst);
        NORM_GATE(W - 1, gLast, tLast);
        v16 sumGM = S * sumG - L * gFirst - R * gLast, sumTcM = S * sumTc - L * tFirst - R * tLast;
        if (h == 0) {
            const v16 T = w0 + w1 + w2;
            sumGM -= T * sumG - w0 * gFirst - w2 * gLast; sumTcM -= T * sumTc - w0 * tFirst - w2 * tLast;
        }
        if (h == H - 1) {
            const v16 B = w6 + w7 + w8;
            sumGM -= B * sumG - w6 * gFirst - w8 * gLast; sumTcM -= B * sumTc - w6 * tFirst - w8 * tLast;
        }
        const long k = cb / 16;
        acc[0 * blocks + k] += sumG; acc[1 * blocks + k] += sumGTc * is; acc[2 * blocks + k] += sumGx;
        acc[3 * blocks + k] += sumGxZc; acc[4 * blocks + k] += sumGTU; acc[5 * blocks + k] += sumU;
        acc[6 * blocks + k] += sumTcU * is; acc[7 * blocks + k] += sumGM; acc[8 * blocks + k] += sumTcM * is;
    }
}

CLONES
int funnel_frelu3x3_backward_norm_sums_rows(const float *restrict g, const float *restrict z, const float *restrict norm,
                                            const float *restrict res, const float *restrict t, const float *restrict weight,
                                            const float *restrict coef,
                                            double *restrict sums, long r0, long r1, long H, long W, long C) {
    const long padded = (W + 2) * C, rs = W * C, blocks = C / 16;
    // Three rows of zc = z - mean1 padded with a zero column each side (image row q in slot
    // (q + 1) % 3), then a row of zeros (outside the image).
    float *ring = scratch((size_t)(4 * padded) * sizeof(float));
    v16 *acc = scratch((size_t)(NORM_SUM_SLOTS * blocks) * sizeof(v16));
    if (!ring || !acc) { free(ring); free(acc); return -1; }
    float *zeros = ring + 3 * padded;
    // Every FLUSH_ROWS rows, or as many as make 256 positions: on narrow maps (4 x 4 at 512
    // channels) flushing the nine slots every 8 rows costs about as much as the rows.
    const long flushRows = MAX(FLUSH_ROWS, 256 / W), rowsAhead = rows_ahead(W, C);

    for (long r = r0; r < r1; r++) {
        const long n = r / H, h = r % H, image = n * H;
        FOR_NEW_RING_ROWS(q, r, r0, h, H) {
            float *dst = ring + ((q + 1) % 3) * padded + C;
            const float *src = z + (image + q) * rs;
            for (long w = 0; w < W; w++)
                for (long cb = 0; cb < C; cb += 16) ST(dst + w * C + cb, LD(src + w * C + cb) - LD(norm + C + cb));
        }
        // Input rows h - 1, h, h + 1: tap row i.
        const float *rows[3];
        for (int i = 0; i < 3; i++) {
            const long q = h - 1 + i;
            rows[i] = q < 0 || q >= H ? zeros : ring + ((q + 1) % 3) * padded;
        }
        // The rows this pass reads from memory `rowsAhead` rows on, fetched while this row computes:
        // g, t (and the residual) of row r + rowsAhead, z of the row after (the ring reads z a row
        // early; at an image's end, the next image's rows). One line of each a step: a row has as
        // many 16-float lines as the loops below have steps.
        const float *nextG = r + rowsAhead < r1 ? g + (r + rowsAhead) * rs : NULL, *nextT = nextG ? t + (r + rowsAhead) * rs : NULL;
        const float *nextR = nextG && res ? res + (r + rowsAhead) * rs : NULL;
        const float *nextZ = r + 1 + rowsAhead < r1 ? z + (r + 1 + rowsAhead) * rs : NULL;
        if (res) norm_sums_row(g, res, t, norm, weight, coef, rows, nextG, nextT, nextR, nextZ, acc, r, h, H, W, C, 1);
        else norm_sums_row(g, res, t, norm, weight, coef, rows, nextG, nextT, nextR, nextZ, acc, r, h, H, W, C, 0);
        if ((r - r0) % flushRows == flushRows - 1 || r == r1 - 1) flush(acc, NORM_SUM_SLOTS, C, sums);
    }
    free(acc);
    free(ring);
    return 0;
}

// The split of g at image row r: gx into gxRow, gt into gtRow (padded by a zero column each side).
// SPLIT_AT(w, cb) splits column w of block cb with the block's coefficients in scope. Flags, not
// pointer tests, say whether x has a norm and a residual (as in window_row); x and the condition
// are computed as INPUT_AT and CONDITION_SHARE compute them, bit for bit. `folded` holds
// [k, a cg] per channel (backward_rows).
static inline __attribute__((always_inline)) void split_row(const float *restrict g, const float *restrict x, const float *restrict norm,
                             const float *restrict res, const float *restrict t, const float *restrict coef,
                             const float *restrict folded, float *restrict gtRow, float *restrict gxRow, long r, long W, long C,
                             const int hasNorm, const int hasRes) {
    for (long cb = 0; cb < C; cb += 16) { ST(gtRow + cb, ZEROS); ST(gtRow + (W + 1) * C + cb, ZEROS); }
    // gt = a (gT - cg - tHat ct) with tHat = (t - m) is, as a gT - (k (t - m) + a cg), k = a ct is:
    // three operations a vector instead of five; gx = g - gT is g (1 - share) exactly (the share is
    // 0, 1/2 or 1).
#define SPLIT_AT(w, cb)                                                                                   \
    do {                                                                                                  \
        const long o = (r * W + (w)) * C + (cb);                                                          \
        const v16 tv = LD(t + o), gv = LD(g + o);                                                         \
        const v16 gT = gv * CONDITION_SHARE(AFFINE(a, tv, b), INPUT_FROM(LD(x + o), o));                  \
        ST(gxRow + (w) * C + (cb), gv - gT);                                                              \
        ST(gtRow + ((w) + 1) * C + (cb), AFFINE(a, gT, -AFFINE(k, tv - m, acg)));                         \
    } while (0)
#define SPLIT_COEFFICIENTS(cb)                                                                                   \
    const v16 a = LD(coef + (cb)), b = LD(coef + C + (cb)), m = LD(coef + 2 * C + (cb));                         \
    const v16 k = LD(folded + (cb)), acg = LD(folded + C + (cb));                                                 \
    const v16 normScale = hasNorm ? LD(norm + (cb)) : ONES, normMean = hasNorm ? LD(norm + C + (cb)) : ZEROS;    \
    const v16 normBeta = hasNorm ? LD(norm + 2 * C + (cb)) : ZEROS
    if (C > WIDE_CHANNELS) {
        // Position by position: five tensors are read and written in order (see WIDE_CHANNELS).
        for (long w = 0; w < W; w++)
            for (long cb = 0; cb < C; cb += 16) {
                SPLIT_COEFFICIENTS(cb);
                SPLIT_AT(w, cb);
            }
    } else {
        // Block by block along the row, the block's coefficients in registers: loaded at every
        // position, the backward pass took 1.14x as long in cache at 16 and 32 channels.
        for (long cb = 0; cb < C; cb += 16) {
            SPLIT_COEFFICIENTS(cb);
            for (long w = 0; w < W; w++) SPLIT_AT(w, cb);
        }
    }
#undef SPLIT_COEFFICIENTS
#undef SPLIT_AT
}

// Row r's window over every channel block: dx (and the residual's gradient) from the gx and gt
// rows of the ring, and the weights' sums into acc. Flags, not pointer tests, say which tensors
// take part, so that each combination a ResNet uses compiles to a loop without tests, with the
// norm's coefficients in registers (backward_rows): with the tests, the pass took 1.01-1.14x as
// long in cache (performance log, 2026-12-06). x is computed as INPUT_AT computes it.
//
// `narrow`, for CPUs with 16 vector registers: the same sums in two loops along the row. The first
// carries the ten weight sums in 8-lane halves of the block; the second computes d with nothing
// carried from step to step. Both read the window's nine taps from the ring (in cache) at every
// step instead of sliding them in registers. The 16-lane loop's sums, nine weights and sliding
// window take some 70 AVX2 registers and spill: on the AVX2 instance the narrow loops took about
// a tenth less time in a ResNet-20 step (3 ms of 27-32, paired; performance log, 2026-12-07). d may
// differ in the last bit (see WINDOW_SUM); the weight sums do not.
static inline __attribute__((always_inline)) void window_row(const float *restrict x, const float *restrict res, const float *restrict weight,
                                                             const float *restrict coef, const float *restrict norm, const float *const rows[3],
                                                             const float *restrict gx, const float *nextG, const float *nextX, const float *nextT,
                                                             const float *nextR, const float *nextDx, float *restrict dx, float *restrict dres, v16 *restrict acc,
                                                             int stream, int streamRes, long r, long W, long C,
                                                             const int hasNorm, const int hasRes, const int hasDx, const int hasDres, const int narrow) {
    if (narrow) {
        for (long cb = 0; cb < C; cb += 16) {
            for (long c = cb; c < cb + 16; c += 8) {
                const v8 normScale = hasNorm ? LD8(norm + c) : (v8){0} + 1, normMean = hasNorm ? LD8(norm + C + c) : (v8){0};
                const v8 normBeta = hasNorm ? LD8(norm + 2 * C + c) : (v8){0};
                const float *p0 = rows[0] + c, *p1 = rows[1] + c, *p2 = rows[2] + c;
                v8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0}, a8 = {0}, ab = {0};
                for (long w = 0; w < W; w++) {
                    const long at = (r * W + w) * C + c, l = w * C, m = (w + 1) * C, n = (w + 2) * C;
                    const v8 xv = INPUT_FROM(LD8(x + at), at);
                    a0 += xv * LD8(p0 + n); a1 += xv * LD8(p0 + m); a2 += xv * LD8(p0 + l);
                    a3 += xv * LD8(p1 + n); a4 += xv * LD8(p1 + m); a5 += xv * LD8(p1 + l); ab += LD8(p1 + m);
                    a6 += xv * LD8(p2 + n); a7 += xv * LD8(p2 + m); a8 += xv * LD8(p2 + l);
                }
                const v8 sums[10] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, ab};
                for (int i = 0; i < 10; i++) ST8((float *)acc + i * C + c, LD8((float *)acc + i * C + c) + sums[i]);
            }
            const float *wb = weight + cb;
            const v16 w0 = LD(wb), w1 = LD(wb + C), w2 = LD(wb + 2 * C), w3 = LD(wb + 3 * C), w4 = LD(wb + 4 * C),
                      w5 = LD(wb + 5 * C), w6 = LD(wb + 6 * C), w7 = LD(wb + 7 * C), w8 = LD(wb + 8 * C);
            const v16 normScale = hasNorm ? LD(norm + cb) : ONES, normMean = hasNorm ? LD(norm + C + cb) : ZEROS;
            const v16 k1 = hasNorm ? LD(coef + 6 * C + cb) : ZEROS, k2 = hasNorm ? LD(coef + 7 * C + cb) : ZEROS;
            const float *p0 = rows[0] + cb, *p1 = rows[1] + cb, *p2 = rows[2] + cb;
            for (long w = 0; w < W; w++) {
                const long at = (r * W + w) * C + cb, l = w * C, m = (w + 1) * C, n = (w + 2) * C;
                if (nextG) {
                    const long line = w * C + cb;
                    PREFETCH_L2(nextG + line); PREFETCH_L2(nextX + line); PREFETCH_L2(nextT + line);
                    if (hasRes) PREFETCH_L2(nextR + line);
                }
                if (hasDx && nextDx) PREFETCH_L2(nextDx + w * C + cb);
                const v16 d = WINDOW_SUM(LD(gx + w * C + cb), LD(p0 + n), LD(p0 + m), LD(p0 + l), LD(p1 + n), LD(p1 + m), LD(p1 + l),
                                         LD(p2 + n), LD(p2 + m), LD(p2 + l));
                if (hasDx) STREAM(dx + at, hasNorm ? normScale * d - k1 - (LD(x + at) - normMean) * k2 : d, stream);
                if (hasDres) STREAM(dres + at, d, streamRes);
            }
        }
        return;
    }
    const long blocks = C / 16;
    for (long cb = 0; cb < C; cb += 16) {
        const float *wb = weight + cb;
        const v16 w0 = LD(wb), w1 = LD(wb + C), w2 = LD(wb + 2 * C), w3 = LD(wb + 3 * C), w4 = LD(wb + 4 * C),
                  w5 = LD(wb + 5 * C), w6 = LD(wb + 6 * C), w7 = LD(wb + 7 * C), w8 = LD(wb + 8 * C);
        const float *p0 = rows[0] + cb, *p1 = rows[1] + cb, *p2 = rows[2] + cb;
        v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0}, a8 = {0}, ab = {0};
        // With an input norm, dx is taken on to the norm's input: dz = a1 dx - k1 - (z - mean1) k2.
        const v16 normScale = hasNorm ? LD(norm + cb) : ONES, normMean = hasNorm ? LD(norm + C + cb) : ZEROS;
        const v16 normBeta = hasNorm ? LD(norm + 2 * C + cb) : ZEROS;
        const v16 k1 = hasNorm ? LD(coef + 6 * C + cb) : ZEROS, k2 = hasNorm ? LD(coef + 7 * C + cb) : ZEROS;
        SLIDING_WINDOW_START;
        for (long w = 0; w < W; w++) {
            const long at = (r * W + w) * C + cb;
            if (nextG) {
                const long line = w * C + cb;
                PREFETCH_L2(nextG + line); PREFETCH_L2(nextX + line); PREFETCH_L2(nextT + line);
                if (hasRes) PREFETCH_L2(nextR + line);
            }
            if (hasDx && nextDx) PREFETCH_L2(nextDx + w * C + cb);
            const v16 stored = LD(x + at), xv = INPUT_FROM(stored, at);
            SLIDING_WINDOW_LOAD(w);
            // The window flipped: tap (i, j) meets the gt ring's row i at padded column w + 2 - j.
            const v16 d = WINDOW_SUM(LD(gx + w * C + cb), q02, q01, q00, q12, q11, q10, q22, q21, q20);
            a0 += xv * q02; a1 += xv * q01; a2 += xv * q00;
            a3 += xv * q12; a4 += xv * q11; a5 += xv * q10; ab += q11;
            a6 += xv * q22; a7 += xv * q21; a8 += xv * q20;
            SLIDING_WINDOW_SHIFT;
            if (hasDx) STREAM(dx + at, hasNorm ? normScale * d - k1 - (stored - normMean) * k2 : d, stream);
            if (hasDres) STREAM(dres + at, d, streamRes);
        }
        const long k = cb / 16;
        acc[0 * blocks + k] += a0; acc[1 * blocks + k] += a1; acc[2 * blocks + k] += a2; acc[3 * blocks + k] += a3;
        acc[4 * blocks + k] += a4; acc[5 * blocks + k] += a5; acc[6 * blocks + k] += a6; acc[7 * blocks + k] += a7;
        acc[8 * blocks + k] += a8; acc[9 * blocks + k] += ab;
    }
}

CLONES
int funnel_frelu3x3_backward_rows(const float *restrict g, const float *restrict x, const float *restrict norm,
                                  const float *restrict res, const float *restrict t, const float *restrict weight,
                                  const float *restrict coef, float *restrict dx, float *restrict dres, double *restrict sums,
                                  long r0, long r1, long H, long W, long C, int wide_registers) {
    const long padded = (W + 2) * C, blocks = C / 16, slots = 10;
    // Three gt rows and three gx rows (output row q in slot (q + 1) % 3), a row of zeros, then the
    // split's coefficients k = a ct is and a cg per channel, formed once here, not at every row or
    // position.
    float *ring = scratch((size_t)(3 * padded + 3 * W * C + padded + 2 * C) * sizeof(float));
    // Σ x·gt per tap and Σ gt, per block.
    v16 *acc = scratch((size_t)(slots * blocks) * sizeof(v16));
    if (!ring || !acc) { free(ring); free(acc); return -1; }
    float *gtRing = ring, *gxRing = ring + 3 * padded, *zeros = gxRing + 3 * W * C, *folded = zeros + padded;
    // Above WIDE_CHANNELS every CPU takes window_row's 16-lane loop: in cache, its narrow loops
    // took 0.73-0.85 of its time at 16-64 channels, 0.93 at 128, 0.97-1.02 at 256 on 8x8 maps and
    // 1.05-1.34x at 512 on 4x4 (scripts/frelu3x3-ab.c, performance log, 2026-12-07).
    const int narrow = !(wide_registers < 0 ? WIDE_REGISTERS() : wide_registers) && C <= WIDE_CHANNELS;
    for (long c = 0; c < C; c++) {
        const float a = coef[c];
        folded[c] = a * coef[5 * C + c] * coef[3 * C + c];
        folded[C + c] = a * coef[4 * C + c];
    }
    const long rowsAhead = rows_ahead(W, C);
    const int stream = dx && STREAMS(dx, ROWS_BYTES(r0, r1, W, C)), streamRes = dres && STREAMS_READ_LATER(dres, ROWS_BYTES(r0, r1, W, C));

    for (long r = r0; r < r1; r++) {
        const long n = r / H, h = r % H, image = n * H;
        // Input (h, w) meets tap (i, j) at output (h + 1 - i, w + 1 - j), padded column w + 2 - j.
        const float *rows[3];
        for (int i = 0; i < 3; i++) {
            const long q = h + 1 - i;
            rows[i] = q < 0 || q >= H ? zeros : gtRing + ((q + 1) % 3) * padded;
        }
        const float *gx = gxRing + ((h + 1) % 3) * W * C;
        // The row the split reads `rowsAhead` rows from now (this row's split reads global row
        // r + 1; at an image's end, the next image's rows), fetched while this row computes, one
        // line of each of its tensors a step. Without it the split waits on memory and the
        // window's arithmetic waits on the split: read cold, the pass took 1.1-1.2x as long at 16,
        // 64, 128 and 256 channels; at 32, and at 512 on 4x4 maps, the two were within their runs'
        // noise (performance log, scripts/frelu3x3-harness.c).
        const float *nextG = NULL, *nextX = NULL, *nextT = NULL, *nextR = NULL;
        if (r + 1 + rowsAhead < r1) {
            const long ahead = (r + 1 + rowsAhead) * W * C;
            nextG = g + ahead; nextX = x + ahead; nextT = t + ahead; nextR = res ? res + ahead : NULL;
        }
        // The lines the next row's dx goes to, unless it is streamed: an ordinary store reads its
        // line first, and these misses, one every few dozen cycles, were waited on in turn (the
        // pass took 1.8-2.2 ms less a ResNet-20 step with them fetched; a read fetch into L2 did at
        // least as well as PREFETCHW; batch norm's flat loops did not gain; performance log,
        // 2026-12-06 evening).
        const float *nextDx = dx && !stream && r + 1 < r1 ? dx + (r + 1) * W * C : NULL;
        // The rows' splits, then the window: a block's end (norm and residual), after a norm,
        // without one; anything else with its tests.
#define SPLIT_AND_WINDOW_ROW(hasNorm, hasRes, hasDx, hasDres)                                                            \
    do {                                                                                                                 \
        FOR_NEW_RING_ROWS(q, r, r0, h, H) {                                                                              \
            split_row(g, x, norm, res, t, coef, folded, gtRing + ((q + 1) % 3) * padded, gxRing + ((q + 1) % 3) * W * C, \
                      image + q, W, C, hasNorm, hasRes);                                                                 \
        }                                                                                                                \
        window_row(x, res, weight, coef, norm, rows, gx, nextG, nextX, nextT, nextR, nextDx, dx, dres, acc, stream, streamRes, r, W, C, \
                   hasNorm, hasRes, hasDx, hasDres, narrow);                                                             \
    } while (0)
        if (norm && res && dx && dres) SPLIT_AND_WINDOW_ROW(1, 1, 1, 1);
        else if (norm && !res && dx && !dres) SPLIT_AND_WINDOW_ROW(1, 0, 1, 0);
        else if (!norm && !res && dx && !dres) SPLIT_AND_WINDOW_ROW(0, 0, 1, 0);
        else SPLIT_AND_WINDOW_ROW(norm != NULL, res != NULL, dx != NULL, dres != NULL);
#undef SPLIT_AND_WINDOW_ROW
        if (should_flush(r, r0, r1)) flush(acc, slots, C, sums);
    }
    STREAM_FENCE();
    free(acc);
    free(ring);
    return 0;
}
