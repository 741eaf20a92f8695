// A direct 3x3 convolution with padding 1, stride 1 or 2, on channels-last images, for the narrow
// layers of CIFAR ResNets (3 to 64 channels). oneDNN 2.6 runs these at 92-375 GFLOPS inside a
// ResNet-20 step on the AMD instance, where its 64-channel Winograd passes count 550: its stride-2
// kernels are slow here, and at 16 channels it loses most to a cold input.
//
// Forward, each output block is P consecutive pixels of one row by 16 or 32 output channels, held in
// vector registers across all 9 taps and every input channel: per kernel row and input channel, three
// or six weight vectors, and each input value of the row broadcast once to every tap that reads it.
// Sums run over kernel rows, then input channels, then taps, in float. Below 32 input channels, at
// stride 2 and on rows that end inside a block, each sample's image is first copied into a
// zero-bordered scratch image (no loop tests for the border; a block past the row's end reads zeros
// and its extra pixels are never stored); otherwise the blocks read the sample where it is and skip
// the taps outside. The weight gradient holds one kernel row's sums for 16 input and 8 output
// channels in registers across a sample's pixels, reading it in place. Both fetch the next
// sample's input (and gradient) a few lines at a time while they compute this one's: a step finds
// its operands in memory, and the first pass over a sample otherwise waits for them. At stride 1 a
// training step's two backward passes run as one, sample by sample: the input gradient (a forward
// of the output gradient with the weights transposed and turned), then the weight gradient, so each
// sample's output gradient is read from memory once. At stride 1, input channels in whole 16s on
// maps in whole 4x4 tiles, Winograd's fewer multiply-adds run these convolutions faster
// (winograd4x3.c, ConvGeometry.runsOnOwnWinograd); this kernel keeps the other shapes.
#include <stdlib.h>
#include <string.h>
#include "CKernels.h"
#include "vectors.h"

#define CEIL_DIV(a, b) (((a) + (b) - 1) / (b))

// The zero-bordered image of one sample: rows of `cols` pixels of I floats, the image at (1, 1),
// with the columns that a block of P output pixels reads past a row's end.
typedef struct { float *pixels; long cols; } padded;

static padded padded_image(long H, long W, long I, long OH, long OW, long S, long P) {
    const long blocks = (OW + P - 1) / P;
    const long rows = S * (OH - 1) + 3 > H + 2 ? S * (OH - 1) + 3 : H + 2;
    padded p = {NULL, S * (blocks * P - 1) + 3 > W + 2 ? S * (blocks * P - 1) + 3 : W + 2};
    const long bytes = rows * p.cols * I * (long)sizeof(float);
    p.pixels = aligned_alloc(64, (size_t)((bytes + 63) / 64 * 64));
    if (p.pixels) memset(p.pixels, 0, (size_t)bytes);
    return p;
}

// Sample n's rows into the padded image's interior (its border stays zero).
static void copy_in(padded p, const float *x, long n, long H, long W, long I) {
    for (long h = 0; h < H; h++) memcpy(p.pixels + ((h + 1) * p.cols + 1) * I, x + (n * H + h) * W * I, (size_t)(W * I) * sizeof(float));
}

// Output channels a block holds: 32 when they come in pairs of 16.
#define CHANNEL_BLOCKS(O) ((O) % 32 == 0 ? 2 : 1)

// --- Forward -------------------------------------------------------------------------------------

// Pixels a forward block holds, by blocks of 16 output channels: 16 x 16 or 2 x 8 x 16 accumulators.
#define PIXELS(OB) ((OB) == 1 ? 16 : 8)

// Weights packed for the blocks: [O / 16][3][3][I][16], from Funnel's (o, ky, kx, i).
void funnel_conv3x3_pack(const float *w, float *packed, long I, long O) {
    for (long o = 0; o < O; o++)
        for (long t = 0; t < 9; t++)
            for (long i = 0; i < I; i++) packed[(((o / 16) * 9 + t) * I + i) * 16 + o % 16] = w[(o * 9 + t) * I + i];
}

// One block: P pixels (stride S) by OB blocks of 16 output channels, adding (ky, i) by (ky, i): the
// three weight vectors of kernel row ky and input channel i stay in registers while the row's input
// values are broadcast once each and feed every tap that reads them (up to 3 multiply-adds a
// broadcast; broadcasting per tap made one each, and the broadcasts, not the multiply-adds, set the
// pace at 16 output channels). `mid` is the input under the first pixel's centre tap, `row` the
// input's row length in floats: input column c of the block (column 0 left of its first pixel) in
// kernel row ky is at mid + (ky - 1) row + (c - 1) I. Rows ky0..<ky1 are read, and with LEFT (RIGHT)
// the column left (right) of the block's input is not (a sample read in place: the taps outside the
// image). `w` is the first output block's packed weights, `wnext` the distance to the next block's;
// np pixels are stored.
INLINE void block(const float *mid, long row, long ky0, long ky1, long I, const float *w, long wnext, float *out, long O, int np,
                  int accumulate, const int P, const int OB, const int S, const int LEFT, const int RIGHT) {
    v16 acc[2][16];
    UNROLLED for (int b = 0; b < OB; b++)
        UNROLLED for (int p = 0; p < P; p++) acc[b][p] = accumulate && p < np ? LD(out + p * O + 16 * b) : (v16){};
    for (long ky = ky0; ky < ky1; ky++) {
        const float *wt = w + ky * 3 * I * 16;
        for (long i = 0; i < I; i++) {
            v16 wv[2][3];
            UNROLLED for (int kx = 0; kx < 3; kx++) {
                wv[0][kx] = LD(wt + (kx * I + i) * 16);
                wv[1][kx] = OB > 1 ? LD(wt + wnext + (kx * I + i) * 16) : wv[0][kx];
            }
            UNROLLED for (int c = 0; c < S * (P - 1) + 3; c++) {
                if ((LEFT && c == 0) || (RIGHT && c == S * (P - 1) + 2)) continue;
                const float v = mid[(ky - 1) * row + (c - 1) * I + i];
                UNROLLED for (int kx = 0; kx < 3; kx++)
                    if (c >= kx && (c - kx) % S == 0 && (c - kx) / S < P) {
                        acc[0][(c - kx) / S] += v * wv[0][kx];
                        if (OB > 1) acc[1][(c - kx) / S] += v * wv[1][kx];
                    }
            }
        }
    }
    UNROLLED for (int b = 0; b < OB; b++)
        for (int p = 0; p < np; p++) ST(out + p * O + 16 * b, acc[b][p]);
}

// Stride 1 without the copy, for rows of whole blocks: each sample's rows read where they are. From
// 32 input channels this measured 1.2-1.4x the copying kernel (standalone harness, 32 -> 32 on 16x16
// and 64 -> 64 on 8x8 maps); at 16 input channels (0.67-0.97x, 0.80-0.84x with the prefetch below)
// and at stride 2 (0.7-0.97x) it was slower, and those copy.
INLINE void forward_samples_in_place(const float *x, const float *packed, float *y, long n0, long n1, long H, long W, long I, long O,
                                     int accumulate, const int OB) {
    const int P = PIXELS(OB);
    const long row = W * I;
    for (long n = n0; n < n1; n++)
        for (long ob = 0; ob < O / 16; ob += OB)
            for (long h = 0; h < H; h++) {
                const long ky0 = h == 0, ky1 = h == H - 1 ? 2 : 3;
                // The input row that the next output row reads first (two below this one; at the
                // end, the next sample's), a cache line at a time: 1.05-1.15x with a cold input, as
                // the step finds it (harness; the same warm).
                if (n * H + h + 2 < n1 * H) prefetch_lines(x + (n * H + h + 2) * row, 0, row / 16);
                for (long w0 = 0; w0 < W; w0 += P) {
                    const float *at = x + ((n * H + h) * W + w0) * I, *wb = packed + ob * 9 * I * 16;
                    float *out = y + ((n * H + h) * W + w0) * O + ob * 16;
                    const int left = w0 == 0, right = w0 + P == W;
                    if (left && right) block(at, row, ky0, ky1, I, wb, 9 * I * 16, out, O, P, accumulate, P, OB, 1, 1, 1);
                    else if (left) block(at, row, ky0, ky1, I, wb, 9 * I * 16, out, O, P, accumulate, P, OB, 1, 1, 0);
                    else if (right) block(at, row, ky0, ky1, I, wb, 9 * I * 16, out, O, P, accumulate, P, OB, 1, 0, 1);
                    else block(at, row, ky0, ky1, I, wb, 9 * I * 16, out, O, P, accumulate, P, OB, 1, 0, 0);
                }
            }
}

// Whether samples run in place (forward_samples_in_place).
#define RUNS_IN_PLACE(I, W, S, OB) ((S) == 1 && (I) >= 32 && (W) % PIXELS(OB) == 0)

// Every output row of samples n0..<n1, for one (OB, S): the compiler builds each pair's blocks with
// their loops unrolled.
INLINE void forward_samples(const float *x, const float *packed, float *y, padded pad, long n0, long n1, long H, long W, long I,
                            long O, long OH, long OW, int accumulate, const int OB, const int S) {
    const int P = PIXELS(OB);
    const long row = pad.cols * I, lines = H * W * I / 16, perRow = CEIL_DIV(lines, O / 16 / OB * OH);
    for (long n = n0; n < n1; n++) {
        copy_in(pad, x, n, H, W, I);
        // The next sample's lines, a share at every output row, so that its copy finds them in cache:
        // 0.82-1.26x with a cold input at 3 and 16 input channels, most runs 1.1-1.2x (standalone harness).
        const char *next = n + 1 < n1 ? (const char *)(x + (n + 1) * H * W * I) : NULL;
        long fetched = 0;
        for (long ob = 0; ob < O / 16; ob += OB)
            for (long oh = 0; oh < OH; oh++)
                for (long ow = 0; ow < OW; ow += P) {
                    if (next && ow == 0) {
                        const long end = MIN(fetched + perRow, lines);
                        prefetch_lines(next, fetched, end);
                        fetched = end;
                    }
                    const int np = OW - ow < P ? (int)(OW - ow) : P;
                    block(pad.pixels + (oh * S + 1) * row + (ow * S + 1) * I, row, 0, 3, I, packed + ob * 9 * I * 16, 9 * I * 16,
                          y + ((n * OH + oh) * OW + ow) * O + ob * 16, O, np, accumulate, P, OB, S, 0, 0);
                }
    }
}

CLONES static void forward(const float *x, const float *packed, float *y, padded pad, long n0, long n1, long H, long W, long I, long O,
                           long OH, long OW, long S, int accumulate) {
    const int OB = CHANNEL_BLOCKS(O);
    if (RUNS_IN_PLACE(I, W, S, OB) && OB == 2) forward_samples_in_place(x, packed, y, n0, n1, H, W, I, O, accumulate, 2);
    else if (RUNS_IN_PLACE(I, W, S, OB)) forward_samples_in_place(x, packed, y, n0, n1, H, W, I, O, accumulate, 1);
    else if (OB == 2 && S == 1) forward_samples(x, packed, y, pad, n0, n1, H, W, I, O, OH, OW, accumulate, 2, 1);
    else if (OB == 2) forward_samples(x, packed, y, pad, n0, n1, H, W, I, O, OH, OW, accumulate, 2, 2);
    else if (S == 1) forward_samples(x, packed, y, pad, n0, n1, H, W, I, O, OH, OW, accumulate, 1, 1);
    else forward_samples(x, packed, y, pad, n0, n1, H, W, I, O, OH, OW, accumulate, 1, 2);
}

// The zero-bordered image the forward copies each sample into, unless it runs in place (pixels
// NULL); 0, or -1 when it cannot be allocated.
static int forward_scratch(padded *pad, long H, long W, long I, long O, long OH, long OW, long stride) {
    *pad = (padded){NULL, 0};
    if (RUNS_IN_PLACE(I, W, stride, CHANNEL_BLOCKS(O))) return 0;
    *pad = padded_image(H, W, I, OH, OW, stride, PIXELS(CHANNEL_BLOCKS(O)));
    return pad->pixels ? 0 : -1;
}

int funnel_conv3x3_forward_samples(const float *x, const float *packed, float *y, long n0, long n1, long H, long W, long I, long O,
                                   long stride, int accumulate) {
    const long OH = (H - 1) / stride + 1, OW = (W - 1) / stride + 1;
    padded pad;
    if (forward_scratch(&pad, H, W, I, O, OH, OW, stride)) return -1;
    forward(x, packed, y, pad, n0, n1, H, W, I, O, OH, OW, stride, accumulate);
    free(pad.pixels);
    return 0;
}

// --- Weight gradient -----------------------------------------------------------------------------

// A pass's share of the next sample's lines, fetched into L1 while the pass computes: `x_lines`
// lines from `x` and `dy_lines` from `dy`, `x_per_row` and `dy_per_row` of them at each output row.
// The first pass over a sample otherwise waits for memory: with cold inputs, as a step finds them,
// 1.0-1.35x on ResNet-20's shapes (standalone harness; 0.94-1.02x warm).
typedef struct { const char *x, *dy; long x_lines, dy_lines, x_per_row, dy_per_row; } lines_ahead;

// One kernel row's sums Σ x[pixel + (ky, kx)][i0..<i0 + 16] dy[pixel][o0 + j] over one sample's
// output pixels, for the row's three taps kx and 8 output channels j, as vectors of 16 input
// channels: each pixel's 3 input vectors and 8 broadcast gradients make 24 multiply-adds. The input
// is read where it is, no zero-bordered copy: `img` is the sample's image at channel i0, `row` its
// row length in floats; output rows whose input row ky falls outside are skipped and the columns
// outside count as zeros (the sums are bit for bit those of a copy). Along a row the three input
// vectors slide in registers, one or two loads a pixel instead of three: with both, 1.0-1.6x the
// copying kernel (standalone harness, ResNet-20's shapes). `dy` is the sample's gradient at channel
// o0; the sums are added into dw at (o0, ky, 0, i0), Funnel's (o, ky, kx, i) layout.
INLINE void row_block(const float *img, long row, long H, long W, long I, const float *dy, long ky, long OH, long OW, long O,
                      float *dw, lines_ahead ahead, const int S) {
    v16 acc[3][8];
    UNROLLED for (int kx = 0; kx < 3; kx++)
        UNROLLED for (int j = 0; j < 8; j++) acc[kx][j] = (v16){};
    for (long oh = 0; oh < OH; oh++) {
        prefetch_lines(ahead.x, oh * ahead.x_per_row, MIN((oh + 1) * ahead.x_per_row, ahead.x_lines));
        prefetch_lines(ahead.dy, oh * ahead.dy_per_row, MIN((oh + 1) * ahead.dy_per_row, ahead.dy_lines));
        const long ih = oh * S - 1 + ky;
        if (ih < 0 || ih >= H) continue;
        const float *x = img + ih * row;
        const float *d = dy + oh * OW * O;
        v16 x0 = (v16){}, x1 = S == 1 ? LD(x) : (v16){};  // at stride 2 each pixel loads its own x1
        for (long ow = 0; ow < OW; ow++) {
            if (S == 2) x1 = LD(x + 2 * ow * I);
            const long next = ow * S + 1;
            const v16 x2 = next < W ? LD(x + next * I) : (v16){};
            UNROLLED for (int j = 0; j < 8; j++) {
                const float v = d[ow * O + j];
                acc[0][j] += x0 * v;
                acc[1][j] += x1 * v;
                acc[2][j] += x2 * v;
            }
            if (S == 1) { x0 = x1; x1 = x2; } else x0 = x2;
        }
    }
    UNROLLED for (int j = 0; j < 8; j++)
        UNROLLED for (int kx = 0; kx < 3; kx++) ST(dw + (j * 9 + kx) * I, LD(dw + (j * 9 + kx) * I) + acc[kx][j]);
}

#define CLAMP(v, lo, hi) ((v) < (lo) ? (lo) : (v) > (hi) ? (hi) : (v))

// Sample n's sums added into dw, a row_block pass for each kernel row, 8 output and 16 input
// channels; with `more`, each pass fetches its share of sample n + 1's lines.
INLINE void weight_sample(const float *x, const float *dy, float *dw, long n, int more, long H, long W, long I, long O, long OH, long OW,
                          const int S) {
    const long xLines = H * W * I / 16, dyLines = OH * OW * O / 16, passes = 3 * (O / 8) * (I / 16);
    const long xStep = CEIL_DIV(xLines, passes), dyStep = CEIL_DIV(dyLines, passes);
    const float *d = dy + n * OH * OW * O;
    long k = 0;
    for (int ky = 0; ky < 3; ky++)
        for (long o0 = 0; o0 < O; o0 += 8)
            for (long i0 = 0; i0 < I; i0 += 16, k++) {
                const lines_ahead ahead = {
                    more ? (const char *)(x + (n + 1) * H * W * I) + 64 * k * xStep : NULL,
                    more ? (const char *)(d + OH * OW * O) + 64 * k * dyStep : NULL,
                    more ? CLAMP(xLines - k * xStep, 0, xStep) : 0, more ? CLAMP(dyLines - k * dyStep, 0, dyStep) : 0,
                    CEIL_DIV(xStep, OH), CEIL_DIV(dyStep, OH)};
                row_block(x + n * H * W * I + i0, W * I, H, W, I, d + o0, ky, OH, OW, O, dw + (o0 * 9 + ky * 3) * I + i0, ahead, S);
            }
}

// Piece p's sums (its samples N p / pieces ..< N (p + 1) / pieces) into sums + p 9 I O, for pieces
// p0..<p1. While a sample's passes run, each fetches its share of the next sample's lines. With
// `packedT` (stride 1), each sample's input gradient into dx first (funnel_conv3x3_backward_pieces).
INLINE void weight_pieces(const float *x, const float *dy, float *sums, const float *packedT, float *dx, int accumulate, padded pad,
                          long p0, long p1, long pieces, long N, long H, long W, long I, long O, long OH, long OW, const int S) {
    const long last = N * p1 / pieces;  // the last sample this call sums, plus one
    for (long p = p0; p < p1; p++) {
        float *dw = sums + p * 9 * I * O;
        memset(dw, 0, (size_t)(9 * I * O) * sizeof(float));
        for (long n = N * p / pieces; n < N * (p + 1) / pieces; n++) {
            if (packedT) forward(dy, packedT, dx, pad, n, n + 1, H, W, O, I, H, W, 1, accumulate);
            weight_sample(x, dy, dw, n, n + 1 < last, H, W, I, O, OH, OW, S);
        }
    }
}

CLONES void funnel_conv3x3_weight_sums_pieces(const float *x, const float *dy, float *sums, long p0, long p1, long pieces, long N,
                                             long H, long W, long I, long O, long stride) {
    const long OH = (H - 1) / stride + 1, OW = (W - 1) / stride + 1;
    const padded none = {NULL, 0};
    if (stride == 1) weight_pieces(x, dy, sums, NULL, NULL, 0, none, p0, p1, pieces, N, H, W, I, O, OH, OW, 1);
    else weight_pieces(x, dy, sums, NULL, NULL, 0, none, p0, p1, pieces, N, H, W, I, O, OH, OW, 2);
}

CLONES void funnel_conv_weight_pieces_sum(const float *sums, long pieces, long count, float *dw, long from, long to) {
    memcpy(dw + from, sums + from, (size_t)(to - from) * sizeof(float));
    for (long p = 1; p < pieces; p++)
        for (long k = from; k < to; k++) dw[k] += sums[p * count + k];
}

// Both gradients at stride 1, sample by sample (CKernels.h): the input gradient first, then the
// weight gradient's passes, which fetch the next sample's input and output gradient while they run,
// so each sample's output gradient comes from memory once and its input from cache. The two passes
// run apart each read the whole output gradient from memory: medians 1.04-1.07x on ResNet-20's
// stride-1 shapes (`funnel bench ops --cold`, its `backward` rows against backward_data +
// backward_weights, nine runs; docs/performance-log.md).
CLONES int funnel_conv3x3_backward_pieces(const float *x, const float *dy, const float *packedT, float *dx, int accumulate, float *sums,
                                          long p0, long p1, long pieces, long N, long H, long W, long I, long O) {
    padded pad;
    if (forward_scratch(&pad, H, W, O, I, H, W, 1)) return -1;
    weight_pieces(x, dy, sums, packedT, dx, accumulate, pad, p0, p1, pieces, N, H, W, I, O, H, W, 1);
    free(pad.pixels);
    return 0;
}
