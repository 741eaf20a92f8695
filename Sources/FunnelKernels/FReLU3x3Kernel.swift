import CKernels

/// The shape of a depthwise convolution with stride 1 and "same" padding, the kind FReLU's funnel
/// condition uses: input and output are both `[batch, channels, height, width]`.
package struct DepthwiseShape: Hashable, Sendable {
    package var batch, channels, height, width, kh, kw: Int

    package init(batch: Int, channels: Int, height: Int, width: Int, kh: Int, kw: Int) {
        self.batch = batch; self.channels = channels; self.height = height; self.width = width; self.kh = kh; self.kw = kw
    }

    /// The shape of `g` when it is such a convolution (depthwise, stride 1, undilated, output the
    /// size of the input); nil otherwise.
    package init?(_ g: ConvGeometry) {
        guard g.groups == g.inChannels, g.outChannels == g.inChannels, g.strideH == 1, g.strideW == 1,
              g.dilationH == 1, g.dilationW == 1, g.outHeight == g.height, g.outWidth == g.width else { return nil }
        self.init(batch: g.batch, channels: g.inChannels, height: g.height, width: g.width, kh: g.kh, kw: g.kw)
    }

    var imageRows: Int { batch * height }
}

/// FReLU, `y = max(x, a t + b)` with `t = DWConv3x3(x) + bias` and batch norm folded into `a`, `b`,
/// on Funnel's own C kernels (`frelu3x3.c`).
///
/// Forward: one pass writes `t` and its moments, one writes `y`. Backward: one pass sums the
/// condition's share of the gradient (batch norm's weight and bias gradients), one splits the
/// gradient between `x` and the condition and runs the convolution's backward on the split rows
/// while they are in cache. Against oneDNN's convolution with passes around it (`FReLUKernel`), this
/// saves the moments pass, and backward the split's two tensors written and read back and the
/// clipped border path. `funnel bench ops` times both. Other windows, and channel counts that are
/// not a multiple of 16, stay on oneDNN.
///
/// With an input norm (`norm`: the batch norm before FReLU as `[a, mean, β]` per channel, one
/// after another) the passes read that norm's input `z` and use `x = a (z - mean) + β`: the
/// norm's output is never stored, its backward sums come from `backwardSums`, and `backward`
/// writes the gradient of `z`. A `residual` added after the norm (a residual block's end, only with
/// `norm`) is read beside `z` the same way, `x = a (z - mean) + β + residual`, and `backward`
/// writes `dx` as its gradient (`dResidual`).
///
/// Weights are PyTorch's `[C, 1, 3, 3]`. Sums are reduced in Double in chunk order, so results are
/// bitwise reproducible for a given thread count.
package enum FReLU3x3Kernel {
    /// Whether these kernels handle `s`: a 3x3 window and channels in whole 16-lane blocks.
    package static func supports(_ s: DepthwiseShape) -> Bool {
        s.kh == 3 && s.kw == 3 && s.channels % 16 == 0 && s.channels > 0
    }

    /// A residual is added after an input norm (a block's end), never on its own.
    private static func requireNorm(forResidual residual: UnsafePointer<Float>?, _ norm: UnsafePointer<Float>?) {
        precondition(residual == nil || norm != nil, "[funnel] a residual is added after an input norm")
    }

    /// `t = DWConv(x) + bias`; with `moments`, also the per-channel mean and biased variance of `t`.
    package static func convolution(_ s: DepthwiseShape, x: UnsafePointer<Float>, norm: UnsafePointer<Float>? = nil,
                                    residual: UnsafePointer<Float>? = nil, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                    t: UnsafeMutablePointer<Float>,
                                    moments: (mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>)?) {
        requireNorm(forResidual: residual, norm)
        let c = s.channels, wt = tapMajor(weight, s)
        let sums = rowChunks(s, slots: moments == nil ? 0 : 2) { rows, partial in
            funnel_frelu3x3_forward_rows(x, norm, residual, wt.pointer, bias, t, partial, rows.lowerBound, rows.upperBound, s.height, s.width, c)
        }
        guard let (mean, variance) = moments else { return }
        let n = Double(s.imageRows * s.width)
        for i in 0..<c {
            let m = sums[i] / n
            mean[i] = Float(m)
            variance[i] = Float(max(0, sums[c + i] / n - m * m))
        }
    }

    /// `y = max(x, a t + b)`.
    package static func output(_ s: DepthwiseShape, x: UnsafePointer<Float>, norm: UnsafePointer<Float>? = nil,
                               residual: UnsafePointer<Float>? = nil, t: UnsafePointer<Float>,
                               scale a: UnsafePointer<Float>, shift b: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let coef = Buffer(packing: [a, b], channels: s.channels)
        _ = rowChunks(s, slots: 0) { rows, _ in
            funnel_frelu3x3_output_rows(x, norm, residual, t, coef.pointer, y, rows.lowerBound, rows.upperBound, s.width, s.channels)
            return 0
        }
    }

    /// The per-channel constants of the backward passes.
    package struct BackwardCoefficients {
        /// Batch norm folded: `a`, `b`; its statistics: `mean`, `1 / sqrt(var + eps)`.
        package var scale, shift, mean, invStd: UnsafePointer<Float>
        /// `Σ gT / count` and `Σ gT tHat / count` from `backwardSums` for batch statistics (the
        /// gradient through them); zeros for running statistics, which are constants.
        package var centerG, centerGTHat: UnsafePointer<Float>
        package init(scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                     centerG: UnsafePointer<Float>, centerGTHat: UnsafePointer<Float>) {
            self.scale = scale; self.shift = shift; self.mean = mean; self.invStd = invStd; self.centerG = centerG; self.centerGTHat = centerGTHat
        }
    }

    /// First backward pass: per channel `Σ gT` and `Σ gT tHat`, where `gT` is the condition's share
    /// of `g` (all of it where `a t + b > x`, half at ties as PyTorch's `maximum`) and
    /// `tHat = (t - mean) invStd`: batch norm's bias and weight gradients. With `norm` (and then the
    /// depthwise `weight`), also the sums that the input norm's own backward sums follow from
    /// (`FReLUInputNormPartials`), so that `backward` can write the norm's input gradient at once.
    @discardableResult
    package static func backwardSums(_ s: DepthwiseShape, g: UnsafePointer<Float>, x: UnsafePointer<Float>, norm: UnsafePointer<Float>? = nil,
                                     residual: UnsafePointer<Float>? = nil, weight: UnsafePointer<Float>? = nil, t: UnsafePointer<Float>, _ k: BackwardCoefficients,
                                     sumG: UnsafeMutablePointer<Float>, sumGTHat: UnsafeMutablePointer<Float>) -> FReLUInputNormPartials? {
        precondition(norm == nil || weight != nil, "[funnel] an input norm's sums need the depthwise weights")
        requireNorm(forResidual: residual, norm)
        let c = s.channels, coef = Buffer(packing: [k.scale, k.shift, k.mean, k.invStd], channels: c)
        let wt = norm == nil ? nil : weight.map { tapMajor($0, s) }
        let sums = rowChunks(s, slots: norm == nil ? 2 : FReLUInputNormPartials.slots) { rows, partial in
            guard let norm, let wt else {
                return funnel_frelu3x3_backward_sums_rows(g, x, t, coef.pointer, partial, rows.lowerBound, rows.upperBound, s.width, c)
            }
            return funnel_frelu3x3_backward_norm_sums_rows(g, x, norm, residual, t, wt.pointer, coef.pointer, partial, rows.lowerBound, rows.upperBound,
                                                           s.height, s.width, c)
        }
        for i in 0..<c { sumG[i] = Float(sums[i]); sumGTHat[i] = Float(sums[c + i]) }
        return norm == nil ? nil : FReLUInputNormPartials(shape: s, sums: sums)
    }

    /// Second backward pass: `dx = g - gT + DWConvᵀ(gt)` (skipped when nil) with the gradient at
    /// the convolution's output `gt = a (gT - centerG - tHat centerGTHat)`, `dWeight = Σ x ⊗ gt`
    /// per tap, `dBias = Σ gt`. `gt` lives only in a ring of three rows per thread. With `norm`,
    /// `dx` receives the gradient of the norm's input instead, `a1 dx - k1 - (z - mean1) k2` with
    /// the norm's `normTerms` (`k1`, `k2`, from the sums `backwardSums` returned), and `dResidual`
    /// (when not nil) `dx` itself. The row loops take the register blocks of this CPU, or those
    /// `TaskSettings.wideRegisterBlocks` asks for.
    package static func backward(_ s: DepthwiseShape, g: UnsafePointer<Float>, x: UnsafePointer<Float>, norm: UnsafePointer<Float>? = nil,
                                 residual: UnsafePointer<Float>? = nil, t: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                 _ k: BackwardCoefficients, normTerms: (k1: UnsafePointer<Float>, k2: UnsafePointer<Float>)? = nil,
                                 dx: UnsafeMutablePointer<Float>?, dResidual: UnsafeMutablePointer<Float>? = nil,
                                 dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?) {
        precondition((norm == nil) == (normTerms == nil), "[funnel] an input norm's gradient needs its terms k1, k2")
        requireNorm(forResidual: residual, norm)
        let c = s.channels, wt = tapMajor(weight, s)
        let coef = Buffer(packing: [k.scale, k.shift, k.mean, k.invStd, k.centerG, k.centerGTHat] + (normTerms.map { [$0.k1, $0.k2] } ?? []),
                          channels: c)
        let wideRegisters: Int32 = TaskSettings.wideRegisterBlocks.map { $0 ? 1 : 0 } ?? -1
        let sums = rowChunks(s, slots: 10) { rows, partial in
            funnel_frelu3x3_backward_rows(g, x, norm, residual, t, wt.pointer, coef.pointer, dx, dResidual, partial, rows.lowerBound, rows.upperBound,
                                          s.height, s.width, c, wideRegisters)
        }
        for i in 0..<c {
            for tap in 0..<9 { dWeight[i * 9 + tap] = Float(sums[tap * c + i]) }
            dBias?[i] = Float(sums[9 * c + i])
        }
    }

    /// `body` over chunks of image rows in parallel, with `slots x C` sums per chunk (`chunkedSums`).
    /// `body` returns the C kernel's status.
    private static func rowChunks(_ s: DepthwiseShape, slots: Int, _ body: (Range<Int>, UnsafeMutablePointer<Double>?) -> Int32) -> [Double] {
        precondition(supports(s), "[funnel] kernel \(s.kh)x\(s.kw) with \(s.channels) channels is not handled here")
        return chunkedSums(s.imageRows, minimumPerThread: max(1, 16384 / (s.width * s.channels)), width: slots * s.channels) { rows, sums in
            let status = body(rows, sums)
            require(status == 0, "[funnel] out of memory for a pass's scratch rows (\(s.width + 2) x \(s.channels) floats, a few per thread)")
        }
    }

    /// Weights `[C, 9]` transposed to `[9, C]`, so each tap's channels are contiguous.
    private static func tapMajor(_ weight: UnsafePointer<Float>, _ s: DepthwiseShape) -> Buffer {
        let out = Buffer(count: 9 * s.channels)
        for i in 0..<s.channels { for tap in 0..<9 { out.pointer[tap * s.channels + i] = weight[i * 9 + tap] } }
        return out
    }
}
