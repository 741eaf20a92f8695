// Two versions of FReLU's fused passes (Sources/CKernels/frelu3x3.c) timed against each other in
// cache: one thread, a layer small enough for L2, each pass run K times back to back, the two
// versions alternating R times; prints the best of each in cycles per 16-float vector at 3.65 GHz
// (the AMD instance's FMA-peak clock) and their ratio. On the noisy 2-vCPU instance a pass's time
// moved by a third between runs a minute apart; alternating in one process and keeping the data in
// cache, the same code read alike to 1-3%, which is what a change of a few per cent needs. What it
// does not see, memory traffic, scripts/frelu3x3-harness.c's `time` mode and
// `funnel bench train` do. The performance log's in-cache figures come from it.
//
// Build, from the repository root, "before" from a commit (its symbols renamed) and "after" from
// the working tree (SwiftPM's C flags for the release build):
//   git show HEAD:Sources/CKernels/frelu3x3.c > /tmp/frelu3x3-before.c
//   F="-O2 -fblocks -fPIC -fno-omit-frame-pointer -ISources/CKernels/include -ISources/CKernels"
//   clang $F $(for p in forward_rows output_rows backward_sums_rows backward_norm_sums_rows backward_rows; \
//     do echo -Dfunnel_frelu3x3_$p=before_$p; done) -c /tmp/frelu3x3-before.c -o /tmp/frelu3x3-before.o
//   clang $F scripts/frelu3x3-ab.c Sources/CKernels/frelu3x3.c Sources/CKernels/streaming.c /tmp/frelu3x3-before.o \
//     -lm -o /tmp/frelu-ab
// Run: /tmp/frelu-ab N H C K R [residual]   e.g. `1 32 16 50 20` (ResNet-20's first stage, one
//   image), `2 16 32 50 20`, `8 8 64 50 20`; residual 0 for the pass after a block's first norm.
#include "frelu3x3-layer.h"

// The "before" version's passes, its symbols renamed at compile time (above).
__typeof__(funnel_frelu3x3_forward_rows) before_forward_rows;
__typeof__(funnel_frelu3x3_output_rows) before_output_rows;
__typeof__(funnel_frelu3x3_backward_norm_sums_rows) before_backward_norm_sums_rows;
__typeof__(funnel_frelu3x3_backward_rows) before_backward_rows;
static const struct passes before_passes = {before_forward_rows, before_output_rows, before_backward_norm_sums_rows, before_backward_rows};

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s N H C K R [residual]\n", argv[0]);
        return 2;
    }
    const long N = atol(argv[1]), H = atol(argv[2]), C = atol(argv[3]);
    const int K = atoi(argv[4]), R = atoi(argv[5]), residual = argc > 6 ? atoi(argv[6]) : 1;
    if (N < 1 || H < 1 || C < 16 || C % 16 || K < 1 || R < 1) {
        fprintf(stderr, "N, H, K, R must be positive and C a multiple of 16\n");
        return 2;
    }
    const struct layer l = make_layer(N, H, C, residual);
    const struct passes *versions[2] = {&before_passes, &current_passes};
    double *sums = calloc((size_t)(10 * C), sizeof(double));
    for (enum pass p = FORWARD; p < PASSES; p++) {
        double best[2] = {1e9, 1e9};
        for (int r = 0; r < R; r++)
            for (int after = 0; after < 2; after++) {
                const double start = seconds();
                for (int k = 0; k < K; k++) run_pass_of(versions[after], &l, p, 0, N * H, sums);
                const double d = (seconds() - start) / K;
                if (d < best[after]) best[after] = d;
            }
        const double vectors = (double)(N * H * H * C) / 16;
        printf("%ldx%ldx%ld %-11s %-24s before %6.1f  after %6.1f cycles a vector  (after/before %.3f)\n", H, H, C,
               residual ? "block end" : "after norm", pass_names[p], best[0] * 3.65e9 / vectors, best[1] * 3.65e9 / vectors,
               best[1] / best[0]);
    }
    free(sums);
    free_layer(&l);
    return 0;
}
