// A direct 3x3 convolution with padding 1, stride 1 or 2, on channels-last images, for the narrow
// layers of CIFAR ResNets (3 to 64 channels). oneDNN 2.6 runs these at 92-375 GFLOPS inside a
// ResNet-20 step on the AMD instance, where its 64-channel Winograd passes count 550: its stride-2
// kernels are slow here, and at 16 channels it loses most to a cold input.
//
// Each sample's image is first copied into a zero-bordered scratch image, so that no loop tests for
// the border. Forward, each output block is P consecutive pixels of one row by 16 or 32 output
// channels, held in vector registers across all 9 taps and every input channel: per input channel and
// tap, one or two weight vectors and P broadcast input values make P or 2P multiply-adds; a block past
// the row's end reads zeros (its extra pixels are never stored). Sums run over taps row by row, then
// over input channels, in float. The weight gradient holds one kernel row's sums for 16 input and 8
// output channels in registers across a sample's pixels.
#include <stdlib.h>
#include <string.h>
#include "CKernels.h"
#include "vectors.h"

#define INLINE static inline __attribute__((always_inline))

// The blocks' loops over pixels and channel blocks unrolled whole, so that the accumulators live in
// registers: at -O2 clang otherwise keeps them in an array on the stack (2.2x slower).
#if defined(__clang__)
#define UNROLLED _Pragma("clang loop unroll(full)")
#else
#define UNROLLED _Pragma("GCC unroll 16")
#endif

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

// One block: P pixels (stride S in the padded image) by OB blocks of 16 output channels. `in` is the
// block's top-left input pixel in the padded image, `row` the padded image's row length in floats,
// `w` the first output block's packed weights, `wnext` the distance to the next block's.
INLINE void block(const float *in, long row, long I, const float *w, long wnext, float *out, long O, int np, int accumulate,
                  const int P, const int OB, const int S) {
    v16 acc[2][16];
    UNROLLED for (int b = 0; b < OB; b++)
        UNROLLED for (int p = 0; p < P; p++) acc[b][p] = accumulate && p < np ? LD(out + p * O + 16 * b) : (v16){};
    for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++) {
            const float *x = in + ky * row + kx * I;
            const float *wt = w + (ky * 3 + kx) * I * 16;
            for (long i = 0; i < I; i++) {
                const v16 w0 = LD(wt + i * 16), w1 = OB > 1 ? LD(wt + wnext + i * 16) : w0;
                UNROLLED for (int p = 0; p < P; p++) {
                    const float v = x[p * S * I + i];
                    acc[0][p] += v * w0;
                    if (OB > 1) acc[1][p] += v * w1;
                }
            }
        }
    UNROLLED for (int b = 0; b < OB; b++)
        for (int p = 0; p < np; p++) ST(out + p * O + 16 * b, acc[b][p]);
}

// Every output row of samples n0..<n1, for one (OB, S): the compiler builds each pair's blocks with
// their loops unrolled.
INLINE void forward_samples(const float *x, const float *packed, float *y, padded pad, long n0, long n1, long H, long W, long I,
                            long O, long OH, long OW, int accumulate, const int OB, const int S) {
    const int P = PIXELS(OB);
    const long row = pad.cols * I;
    for (long n = n0; n < n1; n++) {
        copy_in(pad, x, n, H, W, I);
        for (long ob = 0; ob < O / 16; ob += OB)
            for (long oh = 0; oh < OH; oh++)
                for (long ow = 0; ow < OW; ow += P) {
                    const int np = OW - ow < P ? (int)(OW - ow) : P;
                    block(pad.pixels + oh * S * row + ow * S * I, row, I, packed + ob * 9 * I * 16, 9 * I * 16,
                          y + ((n * OH + oh) * OW + ow) * O + ob * 16, O, np, accumulate, P, OB, S);
                }
    }
}

CLONES static void forward(const float *x, const float *packed, float *y, padded pad, long n0, long n1, long H, long W, long I, long O,
                           long OH, long OW, long S, int accumulate) {
    const int OB = CHANNEL_BLOCKS(O);
    if (OB == 2 && S == 1) forward_samples(x, packed, y, pad, n0, n1, H, W, I, O, OH, OW, accumulate, 2, 1);
    else if (OB == 2) forward_samples(x, packed, y, pad, n0, n1, H, W, I, O, OH, OW, accumulate, 2, 2);
    else if (S == 1) forward_samples(x, packed, y, pad, n0, n1, H, W, I, O, OH, OW, accumulate, 1, 1);
    else forward_samples(x, packed, y, pad, n0, n1, H, W, I, O, OH, OW, accumulate, 1, 2);
}

int funnel_conv3x3_forward_samples(const float *x, const float *packed, float *y, long n0, long n1, long H, long W, long I, long O,
                                   long stride, int accumulate) {
    const long OH = (H - 1) / stride + 1, OW = (W - 1) / stride + 1;
    const padded pad = padded_image(H, W, I, OH, OW, stride, PIXELS(CHANNEL_BLOCKS(O)));
    if (!pad.pixels) return -1;
    forward(x, packed, y, pad, n0, n1, H, W, I, O, OH, OW, stride, accumulate);
    free(pad.pixels);
    return 0;
}

// --- Weight gradient -----------------------------------------------------------------------------

// One kernel row's sums Σ x[pixel + (ky, kx)][i0..<i0 + 16] dy[pixel][o0 + j] over one sample's
// output pixels, for the row's three taps kx and 8 output channels j, as vectors of 16 input
// channels: each pixel's 3 input vectors and 8 broadcast gradients make 24 multiply-adds. `in` is the
// padded image at row ky, channel i0; `dy` the sample's gradient at channel o0; the sums are added into
// dw at (o0, ky, 0, i0), Funnel's (o, ky, kx, i) layout.
INLINE void row_block(const float *in, long row, long I, const float *dy, long OH, long OW, long O, float *dw, const int S) {
    v16 acc[3][8];
    UNROLLED for (int kx = 0; kx < 3; kx++)
        UNROLLED for (int j = 0; j < 8; j++) acc[kx][j] = (v16){};
    for (long oh = 0; oh < OH; oh++) {
        const float *x = in + oh * S * row;
        const float *d = dy + oh * OW * O;
        for (long ow = 0; ow < OW; ow++) {
            const v16 x0 = LD(x + ow * S * I), x1 = LD(x + (ow * S + 1) * I), x2 = LD(x + (ow * S + 2) * I);
            UNROLLED for (int j = 0; j < 8; j++) {
                const float v = d[ow * O + j];
                acc[0][j] += x0 * v;
                acc[1][j] += x1 * v;
                acc[2][j] += x2 * v;
            }
        }
    }
    UNROLLED for (int j = 0; j < 8; j++)
        UNROLLED for (int kx = 0; kx < 3; kx++) ST(dw + (j * 9 + kx) * I, LD(dw + (j * 9 + kx) * I) + acc[kx][j]);
}

// Piece p's sums (its samples N p / pieces ..< N (p + 1) / pieces) into sums + p 9 I O, for pieces
// p0..<p1.
INLINE void weight_pieces(const float *x, const float *dy, float *sums, padded pad, long p0, long p1, long pieces, long N, long H,
                          long W, long I, long O, long OH, long OW, const int S) {
    const long row = pad.cols * I;
    for (long p = p0; p < p1; p++) {
        float *dw = sums + p * 9 * I * O;
        memset(dw, 0, (size_t)(9 * I * O) * sizeof(float));
        for (long n = N * p / pieces; n < N * (p + 1) / pieces; n++) {
            copy_in(pad, x, n, H, W, I);
            const float *d = dy + n * OH * OW * O;
            for (int ky = 0; ky < 3; ky++)
                for (long o0 = 0; o0 < O; o0 += 8)
                    for (long i0 = 0; i0 < I; i0 += 16)
                        row_block(pad.pixels + ky * row + i0, row, I, d + o0, OH, OW, O, dw + (o0 * 9 + ky * 3) * I + i0, S);
        }
    }
}

CLONES static void weight_sums(const float *x, const float *dy, float *sums, padded pad, long p0, long p1, long pieces, long N, long H,
                               long W, long I, long O, long OH, long OW, long S) {
    if (S == 1) weight_pieces(x, dy, sums, pad, p0, p1, pieces, N, H, W, I, O, OH, OW, 1);
    else weight_pieces(x, dy, sums, pad, p0, p1, pieces, N, H, W, I, O, OH, OW, 2);
}

int funnel_conv3x3_weight_sums_pieces(const float *x, const float *dy, float *sums, long p0, long p1, long pieces, long N, long H,
                                      long W, long I, long O, long stride) {
    const long OH = (H - 1) / stride + 1, OW = (W - 1) / stride + 1;
    const padded pad = padded_image(H, W, I, OH, OW, stride, 1);
    if (!pad.pixels) return -1;
    weight_sums(x, dy, sums, pad, p0, p1, pieces, N, H, W, I, O, OH, OW, stride);
    free(pad.pixels);
    return 0;
}

CLONES void funnel_conv3x3_weight_gradient(const float *sums, long pieces, float *dw, long I, long O) {
    const long count = 9 * I * O;
    memcpy(dw, sums, (size_t)count * sizeof(float));
    for (long p = 1; p < pieces; p++)
        for (long k = 0; k < count; k++) dw[k] += sums[p * count + k];
}
