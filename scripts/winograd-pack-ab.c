// Winograd's weight transforms (Sources/CKernels/winograd4x3.c) against a version of the file from a
// commit, and the turned transform against the transform of a turned copy (as
// Convolution.transposedFlipped writes it): bitwise equal or not, and the mean time of 20 calls on
// one thread. The performance log's figures for 9641d83 and acde4bd (2026-12-06) come from it.
//
// Build, from the repository root ("before" from 42dcb5c, with that commit's header: its transform
// took no output range):
//   mkdir -p /tmp/winograd-before && git show 42dcb5c:Sources/CKernels/winograd4x3.c > /tmp/winograd-before/winograd4x3.c
//   git show 42dcb5c:Sources/CKernels/include/CKernels.h > /tmp/winograd-before/CKernels.h
//   F="-O2 -fblocks -fPIC -fno-omit-frame-pointer -ISources/CKernels/include -ISources/CKernels"
//   clang -O2 -fblocks -fPIC -fno-omit-frame-pointer -I/tmp/winograd-before -ISources/CKernels \
//     -Dfunnel_winograd4x3_pack=before_pack -Dfunnel_winograd4x3_forward_samples=before_forward \
//     -Dfunnel_winograd4x3_weight_sums_pieces=before_weights -Dfunnel_winograd4x3_backward_pieces=before_backward \
//     -c /tmp/winograd-before/winograd4x3.c -o /tmp/winograd-before.o
//   clang $F scripts/winograd-pack-ab.c Sources/CKernels/winograd4x3.c Sources/CKernels/streaming.c \
//     /tmp/winograd-before.o -o /tmp/winograd-pack-ab
// Run: /tmp/winograd-pack-ab   exits 1 if any comparison differs.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "CKernels.h"

void before_pack(const float *w, float *U, long I, long O);

static double seconds(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec + ts.tv_nsec * 1e-9; }

// Funnel's (o, ky, kx, i) weights turned and flipped: (i, 2 - ky, 2 - kx, o), as Convolution.transposedFlipped.
static void turn(const float *w, float *turned, long I, long O) {
    for (long o = 0; o < O; o++)
        for (int tap = 0; tap < 9; tap++)
            for (long i = 0; i < I; i++) turned[(i * 9 + 8 - tap) * O + o] = w[(o * 9 + tap) * I + i];
}

int main(void) {
    const long shapes[][2] = {{16, 16}, {16, 32}, {32, 16}, {32, 32}, {32, 64}, {64, 64}, {48, 16}, {256, 256}};
    const int calls = 20;
    int different = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        const long I = shapes[s][0], O = shapes[s][1], n = 36 * I * O;
        float *w = malloc((size_t)(9 * I * O) * 4), *turned = malloc((size_t)(9 * I * O) * 4);
        float *a = malloc((size_t)n * 4), *b = malloc((size_t)n * 4);
        srand((unsigned)s + 1);
        for (long k = 0; k < 9 * I * O; k++) w[k] = (float)rand() / (float)RAND_MAX * 2 - 1;

        double t0 = seconds();
        for (int c = 0; c < calls; c++) before_pack(w, a, I, O);
        double t1 = seconds();
        for (int c = 0; c < calls; c++) funnel_winograd4x3_pack(w, b, I, O, 0, O);
        double t2 = seconds();
        const int packSame = memcmp(a, b, (size_t)n * 4) == 0;
        printf("%3ld x %3ld  transform: %-13s before %8.1f us  after %8.1f us\n", I, O, packSame ? "bitwise equal" : "DIFFERENT",
               (t1 - t0) / calls * 1e6, (t2 - t1) / calls * 1e6);

        t0 = seconds();
        for (int c = 0; c < calls; c++) {
            turn(w, turned, I, O);
            funnel_winograd4x3_pack(turned, a, O, I, 0, I);
        }
        t1 = seconds();
        for (int c = 0; c < calls; c++) funnel_winograd4x3_pack_turned(w, b, I, O, 0, I);
        t2 = seconds();
        const int turnedSame = memcmp(a, b, (size_t)n * 4) == 0;
        printf("%3ld x %3ld  turned:    %-13s copy and transform %8.1f us  straight %8.1f us\n", I, O,
               turnedSame ? "bitwise equal" : "DIFFERENT", (t1 - t0) / calls * 1e6, (t2 - t1) / calls * 1e6);
        different |= !packSame || !turnedSame;
        free(w); free(turned); free(a); free(b);
    }
    return different;
}
