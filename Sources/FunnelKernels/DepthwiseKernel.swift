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

/// FReLU's depthwise 3x3 convolution with its neighbouring passes fused in (C kernels in `CKernels`).
///
/// With oneDNN, FReLU pays for the convolution plus a separate pass for the batch moments of its
/// output, and in backward for oneDNN's data and weight gradients plus one more pass to add the data
/// gradient to the max's share. These kernels do forward + moments in one pass and backward-data +
/// backward-weights + accumulation in one; `funnel bench ops` times them against that oneDNN
/// sequence. Other kernel sizes, and channel counts that are not a multiple of 16, stay on oneDNN.
///
/// Weights are `[C, 9]` (PyTorch's `[C, 1, 3, 3]`). Sums are reduced in Double in chunk order, so
/// results are bitwise reproducible for a given thread count.
package enum DepthwiseKernel {
    /// Whether these kernels handle `s`: a 3x3 window and channels in whole 16-lane blocks.
    package static func supports(_ s: DepthwiseShape) -> Bool {
        s.kh == 3 && s.kw == 3 && s.channels % 16 == 0 && s.channels > 0
    }

    /// `t = DWConv(x) + bias`; with `moments`, also the per-channel mean and biased variance of `t`.
    package static func forward(_ s: DepthwiseShape, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>?, t: UnsafeMutablePointer<Float>,
                                moments: (mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>)? = nil) {
        require(supports(s), "[depthwise] kernel \(s.kh)x\(s.kw) with \(s.channels) channels is not handled here")
        let c = s.channels, wt = tapMajor(weight, s)
        let sums = rowChunks(s, slots: 2) { rows, partial in
            funnel_depthwise3x3_forward_rows(x, wt.pointer, bias, t, moments == nil ? nil : partial,
                                             rows.lowerBound, rows.upperBound, s.height, s.width, c)
        }
        if let (mean, variance) = moments {
            let n = Double(s.imageRows * s.width)
            for i in 0..<c {
                let m = sums[i] / n
                mean[i] = Float(m)
                variance[i] = Float(max(0, sums[c + i] / n - m * m))
            }
        }
    }

    /// Backward of `t = DWConv(x) + bias` given `gt = dL/dt`, in one pass over the input positions:
    /// `dx += DWConvᵀ(gt)` (added to what `dx` holds; skipped when nil), `dWeight = Σ x ⊗ gt` per
    /// tap, `dBias = Σ gt`. Each input position gathers from the outputs its taps reach, so threads
    /// write disjoint rows.
    package static func backward(_ s: DepthwiseShape, x: UnsafePointer<Float>, gt: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                 dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?) {
        require(supports(s), "[depthwise] kernel \(s.kh)x\(s.kw) with \(s.channels) channels is not handled here")
        let c = s.channels, wt = tapMajor(weight, s)
        let sums = rowChunks(s, slots: 10) { rows, partial in
            funnel_depthwise3x3_backward_rows(x, gt, wt.pointer, dx, partial, rows.lowerBound, rows.upperBound, s.height, s.width, c)
        }
        for i in 0..<c {
            for tap in 0..<9 { dWeight[i * 9 + tap] = Float(sums[tap * c + i]) }
            dBias?[i] = Float(sums[9 * c + i])
        }
    }

    /// Runs `body` over chunks of image rows in parallel, each with its own zeroed `slots x C` Double
    /// sums, and returns the sums added up in chunk order.
    private static func rowChunks(_ s: DepthwiseShape, slots: Int,
                                  _ body: (Range<Int>, UnsafeMutablePointer<Double>) -> Void) -> [Double] {
        let partial = ChannelPartials(channels: slots * s.channels, slots: 1)
        parallelChunks(s.imageRows, minimumPerThread: max(1, 16384 / (s.width * s.channels))) { rows in
            var sums = [Double](repeating: 0, count: slots * s.channels)
            sums.withUnsafeMutableBufferPointer { body(rows, $0.baseAddress!) }
            partial.add(sums, slot: 0, chunk: rows.lowerBound)
        }
        return partial.sums[0]
    }

    /// Weights `[C, 9]` transposed to `[9, C]`, so each tap's channels are contiguous.
    private static func tapMajor(_ weight: UnsafePointer<Float>, _ s: DepthwiseShape) -> Buffer {
        let out = Buffer(count: 9 * s.channels)
        for i in 0..<s.channels { for tap in 0..<9 { out.pointer[tap * s.channels + i] = weight[i * 9 + tap] } }
        return out
    }
}
