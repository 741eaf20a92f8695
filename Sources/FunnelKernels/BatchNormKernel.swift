import CKernels

/// Batch normalisation over channels-last data viewed as `rows x C` (rows = N*H*W, or N for
/// `[N, C]`), any C, on Funnel's own C kernels (`batchnorm.c`), optionally with a ReLU on the
/// output in the same pass. The norm is `y = a (x - mean) + β` per channel, `a = γ invStd`.
///
/// Training forward is two passes (the moments, then the output), against oneDNN's three; outputs
/// are stored normally rather than with oneDNN's non-temporal stores, so the convolution that reads
/// them next finds them in cache (measured in `funnel bench train --profile`). Backward is two
/// passes: the sums, then the input gradient. A fused ReLU stores no mask: backward recomputes the
/// output's sign and passes the gradient where it is positive.
///
/// Sums are reduced in Double in chunk order, so results are bitwise reproducible for a given
/// thread count.
package enum BatchNormKernel {
    /// Per-channel constants of the passes: `a = γ invStd`, the mean and `β`.
    package struct Coefficients {
        package var scale, mean, shift: UnsafePointer<Float>
        package init(scale: UnsafePointer<Float>, mean: UnsafePointer<Float>, shift: UnsafePointer<Float>) {
            self.scale = scale; self.mean = mean; self.shift = shift
        }
    }

    /// Per-channel mean and biased variance of `x`.
    package static func moments(_ x: UnsafePointer<Float>, rows: Int, channels c: Int,
                                mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
        // The first row shifts the sums: near the mean, so the variance does not cancel.
        let sums = rowChunks(rows, c, slots: 2) { r, partial in funnel_bn_moments_rows(x, x, partial, r.lowerBound, r.upperBound, c) }
        moments(shiftedSums: sums, count: rows, channels: c, shift: x, mean: mean, variance: variance)
    }

    /// Mean and variance per channel of `count` values from `Σ (x - shift)` (the first `c` sums) and
    /// `Σ (x - shift)²` (the next `c`), as `moments` and `sampleSums` give them.
    package static func moments(shiftedSums sums: [Double], count: Int, channels c: Int, shift: UnsafePointer<Float>,
                                mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
        let n = Double(count)
        for i in 0..<c {
            let shifted = sums[i] / n
            mean[i] = Float(Double(shift[i]) + shifted)
            variance[i] = Float(max(0, sums[c + i] / n - shifted * shifted))
        }
    }

    /// Per sample of `[N, P, C]` and channel, `Σ (x - shift)` and `Σ (x - shift)²` over its `P`
    /// positions, `[N, 2, C]`: from one pass, both an average pooling and (summed over samples) the
    /// batch's moments.
    package static func sampleSums(_ x: UnsafePointer<Float>, samples: Int, positions: Int, channels c: Int,
                                   shift: UnsafePointer<Float>) -> [Double] {
        var sums = [Double](repeating: 0, count: samples * 2 * c)
        sums.withUnsafeMutableBufferPointer { out in
            let out = out.baseAddress!
            parallelChunks(samples, minimumPerThread: 1) { range in
                for n in range { funnel_bn_moments_rows(x, shift, out + n * 2 * c, n * positions, (n + 1) * positions, c) }
            }
        }
        return sums
    }

    /// `y = a (x - mean) + β` per channel, plus `residual` (same shape as `x`) when given, then
    /// `max(y, 0)` with `relu`.
    package static func apply(_ x: UnsafePointer<Float>, rows: Int, channels c: Int, _ k: Coefficients,
                              residual: UnsafePointer<Float>? = nil, relu: Bool, y: UnsafeMutablePointer<Float>) {
        let coef = Buffer(packing: [k.scale, k.mean, k.shift], channels: c)
        _ = rowChunks(rows, c, slots: 0) { r, _ in
            funnel_bn_apply_rows(x, coef.pointer, residual, y, relu ? 1 : 0, r.lowerBound, r.upperBound, c)
        }
    }

    /// Backward, first pass: per channel `Σ g'` (β's gradient) and `Σ g' (x - mean)` (γ's gradient
    /// over `invStd`), where `g'` is the part of `g` that passes the ReLU (all of it without). The
    /// ReLU's sign is read from `output` when given (a residual was added before the ReLU, so `x`
    /// alone does not say), else recomputed from `x`.
    package static func backwardSums(g: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int, channels c: Int,
                                     _ k: Coefficients, relu: Bool, output: UnsafePointer<Float>? = nil) -> (sumG: [Double], sumGCentered: [Double]) {
        let coef = Buffer(packing: [k.scale, k.mean, k.shift], channels: c)
        let sums = rowChunks(rows, c, slots: 2) { r, partial in
            funnel_bn_backward_sums_rows(g, x, output, coef.pointer, relu ? 1 : 0, partial, r.lowerBound, r.upperBound, c)
        }
        return (Array(sums[0..<c]), Array(sums[c...]))
    }

    /// Backward, second pass: `dx = a g' - k1 - (x - mean) k2` per channel, where `k1`, `k2` carry
    /// the gradient through batch statistics (`k1 = a Σg'/n`, `k2 = a invStd² Σg'(x - mean)/n`;
    /// zero for running statistics, which are constants). Also writes `g'` into `passed` when given
    /// (the gradient of a residual added before the ReLU); `output` as in `backwardSums`.
    package static func backward(g: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int, channels c: Int, _ k: Coefficients,
                                 k1: UnsafePointer<Float>, k2: UnsafePointer<Float>, relu: Bool, output: UnsafePointer<Float>? = nil,
                                 dx: UnsafeMutablePointer<Float>, passed: UnsafeMutablePointer<Float>? = nil) {
        let coef = Buffer(packing: [k.scale, k.mean, k.shift, k1, k2], channels: c)
        _ = rowChunks(rows, c, slots: 0) { r, _ in
            funnel_bn_backward_rows(g, x, output, coef.pointer, relu ? 1 : 0, dx, passed, r.lowerBound, r.upperBound, c)
        }
    }

    /// `body` over chunks of rows in parallel, with `slots x C` sums per chunk (`chunkedSums`).
    private static func rowChunks(_ rows: Int, _ c: Int, slots: Int, _ body: (Range<Int>, UnsafeMutablePointer<Double>?) -> Void) -> [Double] {
        chunkedSums(rows, minimumPerThread: max(1, 16384 / c), width: slots * c, body)
    }
}
