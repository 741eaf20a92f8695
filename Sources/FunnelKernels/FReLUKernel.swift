/// FReLU's `max(x, BN(t))` where `t = DWConv(x)` for windows other than 3x3 (and channel counts
/// that are not a multiple of 16), on channels-last data viewed as `rows x C` (rows = N*H*W):
/// oneDNN's convolution writes `t`, and these passes fold batch norm's normalisation, max and their
/// backward around it (batch norm's moments of `t` are `BatchNormKernel.moments`).
/// 3x3 windows take `FReLU3x3Kernel`, which never stores `t`.
///
/// Index arithmetic in the loops below wraps (`&+`, `&*`): the indices are bounded by the tensor's
/// size, and overflow checks on them would keep the compiler from vectorising the loops (measured:
/// FReLU's backward took twice as long with them).
package enum FReLUKernel {
    /// `y = max(x, a_c * t + b_c)`.
    package static func maxAffine(x: UnsafePointer<Float>, t: UnsafePointer<Float>, scale a: UnsafePointer<Float>,
                                  shift b: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int, channels c: Int) {
        parallelChunks(rows, minimumPerThread: max(1, 16384 / c)) { range in
            for row in range {
                let o = row &* c
                for i in 0..<c { y[o &+ i] = max(x[o &+ i], a[i] * t[o &+ i] + b[i]) }
            }
        }
    }

    /// Backward of `y = max(x, T)`, `T = a*t + b`, with batch-norm statistics folded into `a`, `b`:
    /// splits `g` into the part for `x` (`gx`) and for the condition (`gT`, ties split evenly as
    /// PyTorch's `maximum`), and returns per-channel `Σ gT` and `Σ gT * tHat` with `tHat = (t - mean) * invStd`.
    package static func backwardSums(g: UnsafePointer<Float>, x: UnsafePointer<Float>, t: UnsafePointer<Float>,
                                     scale a: UnsafePointer<Float>, shift b: UnsafePointer<Float>,
                                     mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, rows: Int, channels c: Int,
                                     sumG: UnsafeMutablePointer<Float>, sumGTHat: UnsafeMutablePointer<Float>) {
        let partial = ChannelPartials(channels: c, slots: 2)
        parallelChunks(rows, minimumPerThread: max(1, 16384 / c)) { range in
            var s1 = [Double](repeating: 0, count: c), s2 = [Double](repeating: 0, count: c)
            var f1 = [Float](repeating: 0, count: c), f2 = [Float](repeating: 0, count: c)
            f1.withUnsafeMutableBufferPointer { f1 in f2.withUnsafeMutableBufferPointer { f2 in
                var r = range.lowerBound
                while r < range.upperBound {
                    let end = min(range.upperBound, r + 64)
                    for i in 0..<c { f1[i] = 0; f2[i] = 0 }
                    for row in r..<end {
                        let o = row &* c
                        for i in 0..<c {
                            let tv = t[o &+ i], cond = a[i] * tv + b[i], xv = x[o &+ i]
                            let w: Float = cond > xv ? 1 : (cond == xv ? 0.5 : 0)
                            let gT = g[o &+ i] * w
                            f1[i] += gT
                            f2[i] += gT * (tv - mean[i]) * invStd[i]
                        }
                    }
                    for i in 0..<c { s1[i] += Double(f1[i]); s2[i] += Double(f2[i]) }
                    r = end
                }
            } }
            partial.add(s1, slot: 0, chunk: range.lowerBound); partial.add(s2, slot: 1, chunk: range.lowerBound)
        }
        let sums = partial.sums
        for i in 0..<c { sumG[i] = Float(sums[0][i]); sumGTHat[i] = Float(sums[1][i]) }
    }

    /// Second backward pass: `gx = g * [x wins]` and the gradient at the depthwise output
    /// `gt = a * (gT - centerG - tHat * centerGTHat)`; pass zero centers for inference-mode statistics.
    package static func backwardSplit(g: UnsafePointer<Float>, x: UnsafePointer<Float>, t: UnsafePointer<Float>,
                                      scale a: UnsafePointer<Float>, shift b: UnsafePointer<Float>,
                                      mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                      centerG: UnsafePointer<Float>, centerGTHat: UnsafePointer<Float>,
                                      gx: UnsafeMutablePointer<Float>, gt: UnsafeMutablePointer<Float>, rows: Int, channels c: Int) {
        parallelChunks(rows, minimumPerThread: max(1, 16384 / c)) { range in
            for row in range {
                let o = row &* c
                for i in 0..<c {
                    let tv = t[o &+ i], cond = a[i] * tv + b[i], xv = x[o &+ i], gv = g[o &+ i]
                    let w: Float = cond > xv ? 1 : (cond == xv ? 0.5 : 0)
                    let tHat = (tv - mean[i]) * invStd[i]
                    gx[o &+ i] = gv * (1 - w)
                    gt[o &+ i] = a[i] * (gv * w - centerG[i] - tHat * centerGTHat[i])
                }
            }
        }
    }

    /// `y += x` over `count` floats.
    package static func accumulate(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        parallelChunks(count, minimumPerThread: 65536) { range in
            for i in range { y[i] += x[i] }
        }
    }
}
