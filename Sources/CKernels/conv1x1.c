// A 1x1 convolution at stride 2, no padding, on channels-last images: the projection shortcuts of
// CIFAR ResNets (16 -> 32 and 32 -> 64 channels in ResNet-20, 64 -> 128 in ResNet-18). oneDNN 2.6
// runs them at 30-170 GFLOPS on the AMD instance, where they are a read of every other input row
// and a write a quarter its size: these kernels read each sample once and keep the work in
// registers, fetching the next sample's lines while they compute (forward 1.2-1.5x oneDNN's with a
// cold input before that fetch, which gave another 1.2-2.6x; standalone harness).
//
// Forward, each output block is 8 consecutive pixels by 16 or 32 output channels, held in vector
// registers across the input channels: per input channel, one or two weight vectors and 8
// broadcasts. Backward-data is the same block with the weights transposed, its 8 pixels written
// every other column of the input's even rows over the sample zeroed first. The weight
// gradient holds 8 output channels' sums for 16 or 32 input channels in registers across a sample.
// At stride 1 (ResNet-50's bottlenecks) only the weight gradient is Funnel's, tiled over pixels
// (below).
#include <string.h>
#include "CKernels.h"
#include "vectors.h"

// Pixels a block holds.
#define BLOCK_PIXELS 8

void funnel_conv1x1_pack(const float *w, float *packed, long I, long O, int transposed) {
    for (long o = 0; o < O; o++)
        for (long i = 0; i < I; i++) {
            if (transposed) packed[((i / 16) * O + o) * 16 + i % 16] = w[o * I + i];
            else packed[((o / 16) * I + i) * 16 + o % 16] = w[o * I + i];
        }
}

// np <= BLOCK_PIXELS pixels by OB blocks of 16 outputs: out[p][b] = Σ_k in[p][k] w[b][k], the input's pixels
// `in_step` floats apart and the output's `out_step`, `w` packed [b][K][16], `w_next` floats from
// one output block's weights to the next.
INLINE void block(const float *in, long in_step, long K, const float *w, long w_next, float *out, long out_step, int np, const int OB) {
    v16 acc[2][BLOCK_PIXELS];
    UNROLLED for (int b = 0; b < OB; b++) UNROLLED for (int p = 0; p < BLOCK_PIXELS; p++) acc[b][p] = (v16){};
    if (np == BLOCK_PIXELS) {
        for (long k = 0; k < K; k++) {
            v16 wv[2];
            UNROLLED for (int b = 0; b < OB; b++) wv[b] = LD(w + b * w_next + k * 16);
            UNROLLED for (int p = 0; p < BLOCK_PIXELS; p++) {
                const float v = in[p * in_step + k];
                UNROLLED for (int b = 0; b < OB; b++) acc[b][p] += v * wv[b];
            }
        }
    } else {
        // A row's last pixels: only those that exist are read.
        for (long k = 0; k < K; k++)
            for (int p = 0; p < np; p++) {
                const float v = in[p * in_step + k];
                UNROLLED for (int b = 0; b < OB; b++) acc[b][p] += v * LD(w + b * w_next + k * 16);
            }
    }
    for (int p = 0; p < np; p++) UNROLLED for (int b = 0; b < OB; b++) ST(out + p * out_step + 16 * b, acc[b][p]);
}

// Fetches the K floats of `pixels` pixels `step` floats apart into cache: what a pass reads next
// while it computes, so that the first read of each sample does not wait for memory.
INLINE void prefetch_row(const float *row, long pixels, long step, long K) {
    for (long w = 0; w < pixels; w++) prefetch_lines(row + w * step, 0, K / 16);
}

// Every row of the smaller map's (grid_h, grid_w) grid for samples n0..<n1: `in` is [N, in_h, in_w,
// K] read every `in_stride` pixels and rows, `out` [N, out_h, out_w, C] written every `out_stride`.
INLINE void rows(const float *in, long in_h, long in_w, long K, const float *packed, float *out, long out_h, long out_w, long C, long n0,
                 long n1, long grid_h, long grid_w, long in_stride, long out_stride, const int OB) {
    for (long n = n0; n < n1; n++) {
        // Written every other pixel (backward-data): the sample zeroed first, the pixels then
        // rewritten in cache (faster than vector stores of the zeros between them).
        if (out_stride > 1) memset(out + n * out_h * out_w * C, 0, (size_t)(out_h * out_w * C) * sizeof(float));
        for (long h = 0; h < grid_h; h++) {
            // The lines this row reads in the next sample: 1.2-2.6x with a cold input (harness).
            if (n + 1 < n1) prefetch_row(in + ((n + 1) * in_h + h * in_stride) * in_w * K, grid_w, in_stride * K, K);
            for (long w0 = 0; w0 < grid_w; w0 += BLOCK_PIXELS) {
                const int np = grid_w - w0 < BLOCK_PIXELS ? (int)(grid_w - w0) : BLOCK_PIXELS;
                const float *src = in + ((n * in_h + h * in_stride) * in_w + w0 * in_stride) * K;
                float *dst = out + ((n * out_h + h * out_stride) * out_w + w0 * out_stride) * C;
                for (long cb = 0; cb < C / 16; cb += OB)
                    block(src, in_stride * K, K, packed + cb * K * 16, K * 16, dst + cb * 16, out_stride * C, np, OB);
            }
        }
    }
}

CLONES void funnel_conv1x1_forward_samples(const float *x, const float *packed, float *y, long n0, long n1, long H, long W, long I, long O) {
    const long OH = (H + 1) / 2, OW = (W + 1) / 2;
    if (O % 32 == 0) rows(x, H, W, I, packed, y, OH, OW, O, n0, n1, OH, OW, 2, 1, 2);
    else rows(x, H, W, I, packed, y, OH, OW, O, n0, n1, OH, OW, 2, 1, 1);
}

CLONES void funnel_conv1x1_backward_data_samples(const float *dy, const float *packed, float *dx, long n0, long n1, long H, long W, long I,
                                                 long O) {
    const long OH = (H + 1) / 2, OW = (W + 1) / 2;
    if (I % 32 == 0) rows(dy, OH, OW, O, packed, dx, H, W, I, n0, n1, OH, OW, 1, 2, 2);
    else rows(dy, OH, OW, O, packed, dx, H, W, I, n0, n1, OH, OW, 1, 2, 1);
}

// Sums Σ dy[p][o0 + j] x[2p][i0..<i0 + 16 IB] over one sample's output pixels for 8 output
// channels j, added into dw at (o0, i0). With `next_x` (a sample's first block), the next sample's
// lines are fetched row by row.
INLINE void weight_block(const float *x, long W, long I, const float *dy, long OH, long OW, long O, float *dw, const float *next_x,
                         const float *next_dy, const int IB) {
    v16 acc[8][2];
    UNROLLED for (int j = 0; j < 8; j++) UNROLLED for (int b = 0; b < IB; b++) acc[j][b] = (v16){};
    for (long h = 0; h < OH; h++) {
        if (next_x) { prefetch_row(next_x + 2 * h * W * I, OW, 2 * I, I); prefetch_row(next_dy + h * OW * O, OW, O, O); }
        for (long w = 0; w < OW; w++) {
            const float *xp = x + (2 * h * W + 2 * w) * I, *d = dy + (h * OW + w) * O;
            v16 xv[2];
            UNROLLED for (int b = 0; b < IB; b++) xv[b] = LD(xp + 16 * b);
            UNROLLED for (int j = 0; j < 8; j++) {
                const float v = d[j];
                UNROLLED for (int b = 0; b < IB; b++) acc[j][b] += v * xv[b];
            }
        }
    }
    UNROLLED for (int j = 0; j < 8; j++) UNROLLED for (int b = 0; b < IB; b++) ST(dw + j * I + 16 * b, LD(dw + j * I + 16 * b) + acc[j][b]);
}

CLONES void funnel_conv1x1_weight_sums_pieces(const float *x, const float *dy, float *sums, long p0, long p1, long pieces, long N, long H,
                                              long W, long I, long O) {
    const long OH = (H + 1) / 2, OW = (W + 1) / 2;
    for (long p = p0; p < p1; p++) {
        float *dw = sums + p * I * O;
        memset(dw, 0, (size_t)(I * O) * sizeof(float));
        for (long n = N * p / pieces; n < N * (p + 1) / pieces; n++)
            for (long o0 = 0; o0 < O; o0 += 8)
                for (long i0 = 0; i0 < I; i0 += (I % 32 == 0 ? 32 : 16)) {
                    const float *xs = x + n * H * W * I + i0, *d = dy + n * OH * OW * O + o0;
                    const int fetch = o0 == 0 && i0 == 0 && n + 1 < N * p1 / pieces;
                    const float *nx = fetch ? x + (n + 1) * H * W * I : NULL, *nd = fetch ? dy + (n + 1) * OH * OW * O : NULL;
                    if (I % 32 == 0) weight_block(xs, W, I, d, OH, OW, O, dw + o0 * I + i0, nx, nd, 2);
                    else weight_block(xs, W, I, d, OH, OW, O, dw + o0 * I + i0, nx, nd, 1);
                }
    }
}

// --- Stride-1 weight gradient ---------------------------------------------------------------------
//
// dw[o][i] = Σ_p dy[p][o] x[p][i] over the pixels of a piece of the batch, for any 1x1 convolution
// at stride 1 (ResNet-50's bottleneck layers): a matrix product whose long side is the pixels. The
// pixels run in tiles whose input and output gradient fit a core's L2 cache; in a tile, each panel of
// 64 input channels (one tile's worth fits L1) meets the output channels 6 at a time, 6 x 64 sums in
// 24 vector registers across the tile's pixels: per pixel 4 vector loads and 6 broadcasts feed 24
// multiply-adds. On the AMD instance (`funnel bench ops --cold`) it ran 1.05-2.4x oneDNN 2.6's
// `brgconv_1x1` on the wide maps of the first stages (CIFAR's 32x32, ImageNet's 56x56 and 28x28) with
// up to 256 input channels (most 1.6x or more), and slower with 1024 channels or more (0.65-0.9x),
// where the weight gradient itself (1-4 MB a piece) no longer stays in cache across the tiles
// (`ConvGeometry.pointwiseWeightGradientRunsOnOwnKernel`). 64-pixel and 256-pixel tiles were no better.

// Bytes of input and output gradient a tile holds.
#define TILE_BYTES (192 * 1024)

// The sums of output channels o0..<o0 + OB and the IB 16-channel blocks of input channels from i0,
// over pixels p0..<p1, added into dw.
INLINE void weight_panel(const float *x, const float *dy, float *dw, long p0, long p1, long I, long O, long i0, long o0, const int OB,
                         const int IB) {
    v16 acc[6][4];
    UNROLLED for (int j = 0; j < OB; j++) UNROLLED for (int b = 0; b < IB; b++) acc[j][b] = LD(dw + (o0 + j) * I + i0 + 16 * b);
    for (long p = p0; p < p1; p++) {
        const float *xp = x + p * I + i0, *d = dy + p * O + o0;
        v16 xv[4];
        UNROLLED for (int b = 0; b < IB; b++) xv[b] = LD(xp + 16 * b);
        UNROLLED for (int j = 0; j < OB; j++) {
            const float v = d[j];
            UNROLLED for (int b = 0; b < IB; b++) acc[j][b] += v * xv[b];
        }
    }
    UNROLLED for (int j = 0; j < OB; j++) UNROLLED for (int b = 0; b < IB; b++) ST(dw + (o0 + j) * I + i0 + 16 * b, acc[j][b]);
}

// Every panel of a tile for one width IB of input-channel blocks: output channels 6 at a time, then
// the 4 or 2 left (O is a multiple of 16).
INLINE void weight_tile(const float *x, const float *dy, float *dw, long p0, long p1, long I, long O, long i0, const int IB) {
    long o0 = 0;
    for (; o0 + 6 <= O; o0 += 6) weight_panel(x, dy, dw, p0, p1, I, O, i0, o0, 6, IB);
    if (O - o0 == 4) weight_panel(x, dy, dw, p0, p1, I, O, i0, o0, 4, IB);
    else if (O - o0 == 2) weight_panel(x, dy, dw, p0, p1, I, O, i0, o0, 2, IB);
}

CLONES void funnel_conv1x1_weight_sums_stride1_pieces(const float *x, const float *dy, float *sums, long p0, long p1, long pieces, long N,
                                                      long P, long I, long O) {
    const long tile = MAX(16, TILE_BYTES / ((I + O) * (long)sizeof(float)));
    for (long piece = p0; piece < p1; piece++) {
        float *dw = sums + piece * I * O;
        memset(dw, 0, (size_t)(I * O) * sizeof(float));
        const long first = N * piece / pieces * P, end = N * (piece + 1) / pieces * P;
        for (long t0 = first; t0 < end; t0 += tile) {
            const long t1 = MIN(t0 + tile, end);
            long i0 = 0;
            for (; i0 + 64 <= I; i0 += 64) weight_tile(x, dy, dw, t0, t1, I, O, i0, 4);
            if (I - i0 >= 32) { weight_tile(x, dy, dw, t0, t1, I, O, i0, 2); i0 += 32; }
            if (I - i0 >= 16) weight_tile(x, dy, dw, t0, t1, I, O, i0, 1);
        }
    }
}
