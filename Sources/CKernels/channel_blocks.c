// Funnel's channels-last activations to and from oneDNN's 16-channel blocks (nChw16c), the only
// layout its Winograd convolutions take (see CKernels.h).
//
// Why not oneDNN's reorder: each 16-channel block of a position is one cache line in both layouts,
// so the change is a load and a store per line; oneDNN's reorder makes ordinary stores, which
// first read every line they write. Streamed past the caches (vectors.h), a 64x32x32 activation at
// batch 128 (32 MB) changes layout in 1.4-1.6 ms against oneDNN's 2.8-3.0 on two threads.
#include "CKernels.h"
#include "vectors.h"

CLONES
void funnel_channel_blocks(const float *restrict src, float *restrict dst, int to_blocks, long q0, long q1, long HW, long C) {
    const long blocks = C / 16;
    // Where block b of position q is: channels-last q C + 16 b, blocked ((n C/16 + b) HW + p) 16.
    const long fromStep = to_blocks ? 16 : HW * 16, toStep = to_blocks ? HW * 16 : 16;
    const int stream = STREAMS(dst, (q1 - q0) * C * (long)sizeof(float));
    for (long q = q0; q < q1; q++) {
        const long channelsLast = q * C, blocked = ((q / HW) * blocks * HW + q % HW) * 16;
        const float *from = src + (to_blocks ? channelsLast : blocked);
        float *to = dst + (to_blocks ? blocked : channelsLast);
        for (long b = 0; b < blocks; b++) STREAM(to + b * toStep, LD(from + b * fromStep), stream);
    }
    STREAM_FENCE();
}
