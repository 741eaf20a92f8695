// What every kernel of this folder shares: 16-lane float vectors, unaligned loads and stores,
// streaming stores, and the clones clang builds of each kernel (AVX-512, AVX2 + FMA, baseline), one
// picked at load time.
#ifndef FUNNEL_CKERNELS_VECTORS_H
#define FUNNEL_CKERNELS_VECTORS_H

// Fused multiply-adds wherever a product is added (the kernels' accuracy is checked against references).
#pragma clang fp contract(fast)

#if defined(__x86_64__)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

typedef float v16 __attribute__((vector_size(64), aligned(4)));
typedef int vi16 __attribute__((vector_size(64), aligned(4)));
#define LD(p) (*(const v16 *)(p))
#define ST(p, v) (*(v16 *)(p) = (v))
// The vector of v's type at p: 16 lanes or, in the loops sized for 16 registers, 8 (v8).
#define LD_LIKE(v, p) (*(const __typeof__(v) *)(p))

// Stores that bypass the caches (x86 non-temporal stores), for outputs too large to be read back
// from cache by the next op: an ordinary store first reads the line it writes (one core of the
// Intel instance adds two 32 MB arrays into a third at 18 GB/s with ordinary stores, 31 GB/s
// streaming). A kernel streams when its output is 64-byte aligned (offsets are whole 16-float
// blocks) and its chunk of it (one thread's) is at least funnel_stream_min_bytes (8 MB). Measured
// with batch norm's outputs in `funnel bench train` at 2 threads: ResNet-18, whose first stages'
// tensors are 16 and 32 MB, gained; ResNet-20, whose largest are 8 MB, lost when every output was
// streamed: without, the next op finds them in the L3 cache.
typedef float v16a __attribute__((vector_size(64), aligned(64)));
extern long funnel_stream_min_bytes;  // streaming.c
#define STREAMS(p, bytes) ((((unsigned long)(p)) & 63) == 0 && (bytes) >= funnel_stream_min_bytes)
#define STREAM(p, v, stream) ((stream) ? __builtin_nontemporal_store((v), (v16a *)(p)) : (void)ST(p, v))
// Outputs that are read back only after other passes stream from their own threshold,
// funnel_stream_read_later_min_bytes (0: whenever aligned): FReLU's t, which the next pass reads
// beside its input but backward reads again only after the rest of the forward, and a block end's
// residual gradient, which the block's first convolution reads after the block's other backward
// passes. On the AMD instance an ordinary store's read of the line cost more than the cache gave
// back: streamed, t's pass took 0.70-0.94 of the time with ordinary stores, the backward pass that
// writes the residual's gradient 0.81-0.99, the pass after t's 0.93-1.10 (16 to 512 channels, read
// cold; performance log, 2026-12-04).
extern long funnel_stream_read_later_min_bytes;  // streaming.c
#define STREAMS_READ_LATER(p, bytes) ((((unsigned long)(p)) & 63) == 0 && (bytes) >= funnel_stream_read_later_min_bytes)
// Streaming stores are weakly ordered: a kernel that made them fences before it returns, so the
// thread that joins it reads what they wrote.
#if defined(__x86_64__)
#define STREAM_FENCE() __builtin_ia32_sfence()
#else
#define STREAM_FENCE() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
// Fetches the 64-byte lines first..<end from p into cache: what a kernel reads next, asked for while
// it computes (the convolutions fetch the next sample's lines this way).
static inline __attribute__((always_inline)) void prefetch_lines(const void *p, long first, long end) {
    for (long l = first; l < end; l++) __builtin_prefetch((const char *)p + 64 * l);
}

// Fetches the line at p into the L2 cache, not L1: what a pass reads from memory one or more rows
// ahead. Into L1 the rows ahead evicted the rings of rows a pass computes from once a row held
// 64 channels or more (FReLU's first backward pass at 64 channels on 32x32 took 1.5x as long;
// performance log, 2026-12-05 night).
#define PREFETCH_L2(p) __builtin_prefetch((p), 0, 2)

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

// Whether this CPU has AVX-512's 32 vector registers. The kernels' register blocks are sized by it:
// a 16-lane vector takes one of 32 registers there, two of 16 with AVX2 (and four with baseline
// SSE), where blocks sized for 32 spill to the stack.
#if defined(__x86_64__)
#define WIDE_REGISTERS() __builtin_cpu_supports("avx512f")
#else
#define WIDE_REGISTERS() 0
#endif
// Half vectors, one AVX2 register each, for loops that carry many sums from step to step on CPUs
// with 16 registers, so that the sums stay in registers (frelu3x3.c's window_row).
typedef float v8 __attribute__((vector_size(32), aligned(4)));
#define LD8(p) (*(const v8 *)(p))
#define ST8(p, v) (*(v8 *)(p) = (v))

// Helpers compiled into each kernel that calls them.
#define INLINE static inline __attribute__((always_inline))

// a x + b rounded once, as one fused multiply-add, wherever it is computed: the same bits in every
// loop and pass. Several passes recompute a value another pass compared (FReLU's x and its
// condition, a fused ReLU's input, DY-ReLU's two pieces): if one pass's x differed from another's
// in the last bit, a near-tie would go one way forward and the other backward, and that element's
// gradient down the wrong branch. Under contract(fast) clang decides loop by loop which products
// it fuses (a prefetch added to FReLU's first forward pass changed how that pass rounded x:
// performance log, 2026-12-05 night), so these sums are not left to it;
// ReleaseAgreementTests checks the passes at -O2. Fused rather than a multiply and an add
// each rounded: one rounding keeps x nearer PyTorch's float64 reference. With two,
// scripts/parity.py failed the bottleneck ResNet-29's FReLU train check at 1.3e-2, its near-kink
// search finding too few switches to explain it (as with that prefetch); fused, it passes with 4.
// The baseline clone (x86 CPUs without FMA) calls fmaf per lane here.
#define AFFINE(a, x, b) __builtin_elementwise_fma(a, x, b)

// The blocks' loops over pixels and channel blocks unrolled whole, so that the accumulators live in
// registers: at -O2 clang otherwise keeps them in an array on the stack (2.2x slower, conv3x3.c).
#if defined(__clang__)
#define UNROLLED _Pragma("clang loop unroll(full)")
#else
#define UNROLLED _Pragma("GCC unroll 16")
#endif

// Lanes of `yes` where `mask` (a vector comparison) is set, of `no` elsewhere.
#define SELECT(mask, yes, no) ((v16)(((vi16)(yes) & (mask)) | ((vi16)(no) & ~(mask))))

#endif
