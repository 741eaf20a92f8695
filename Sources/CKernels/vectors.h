// What every kernel of this folder shares: 16-lane float vectors, unaligned loads and stores, and
// the clones clang builds of each kernel (AVX-512, AVX2 + FMA, baseline), one picked at load time.
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
// Lanes of `yes` where `mask` (a vector comparison) is set, of `no` elsewhere.
#define SELECT(mask, yes, no) ((v16)(((vi16)(yes) & (mask)) | ((vi16)(no) & ~(mask))))

#endif
