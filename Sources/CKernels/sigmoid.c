// The logistic sigmoid 1 / (1 + e^-z) over an array, 16 lanes at a time, on the calling thread:
// DY-ReLU's coefficients from its hyper function's output (DynamicReLUKernel.sigmoids).
//
// Why C: glibc's expf one value at a time with the division took 0.8 ms a ResNet-20 step on two
// threads (`--profile`'s "forward: the sigmoids", 19 calls of 8,192-32,768 values), and oneDNN's
// logistic as much again in its fixed cost a call; a vector exponential takes a few cycles a
// value (performance log, 2026-12-07).
#include "CKernels.h"
#include "vectors.h"

// s[0..<16] = σ(z[0..<16]), NaN where z is NaN. -z is clamped to [-87, 88], where e^-z fits in
// float: above z = 87 σ rounds to 1 anyway, and below z = -88 it is taken as 0 (as 1 / (1 + inf)
// gives at z = -inf; the true value is under 7e-39). e^m: m = n ln2 + r with |r| <= ln2 / 2 (ln2
// in two parts, so r is exact to float rounding), e^r by Cephes' expf polynomial (relative error
// under 2e-7 there), and 2^n built in the exponent bits. (Pointers, not vector values, cross the
// call: a function taking 16-lane vectors would change its ABI between the clones.)
INLINE void sigmoid16(const float *z, float *s) {
#define SPLAT(c) ((v16){0} + (c))
    const v16 zv = LD(z);
    v16 m = -zv;
    m = SELECT(m > 88.0f, SPLAT(88.0f), m);
    m = SELECT(m < -87.0f, SPLAT(-87.0f), m);
    const v16 round = SPLAT(12582912.0f);  // 1.5 * 2^23: adding and subtracting it rounds to an integer
    const v16 n = AFFINE(m, SPLAT(1.44269504088896341f), round) - round;
    v16 r = AFFINE(-n, SPLAT(0.693359375f), m);
    r = AFFINE(-n, SPLAT(-2.12194440e-4f), r);
    v16 p = SPLAT(1.9875691500e-4f);
    p = AFFINE(p, r, SPLAT(1.3981999507e-3f));
    p = AFFINE(p, r, SPLAT(8.3334519073e-3f));
    p = AFFINE(p, r, SPLAT(4.1665795894e-2f));
    p = AFFINE(p, r, SPLAT(1.6666665459e-1f));
    p = AFFINE(p, r, SPLAT(5.0000001201e-1f));
    const v16 er = AFFINE(p, r * r, r + 1);
    const vi16 twoToN = (__builtin_convertvector(n, vi16) + 127) << 23;
    const v16 sv = SELECT(-zv > 88.0f, SPLAT(0.0f), 1 / (1 + er * (v16)twoToN));
    ST(s, SELECT(zv == zv, sv, zv));
#undef SPLAT
}

CLONES
void funnel_sigmoid(const float *restrict z, float *restrict s, long count) {
    long i = 0;
    for (; i + 16 <= count; i += 16) sigmoid16(z + i, s + i);
    if (i < count) {
        float in[16] = {0}, out[16];
        for (long j = i; j < count; j++) in[j - i] = z[j];
        sigmoid16(in, out);
        for (long j = i; j < count; j++) s[j] = out[j - i];
    }
}
