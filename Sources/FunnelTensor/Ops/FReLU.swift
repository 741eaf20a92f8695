import FunnelKernels

extension Tensor {
    /// FReLU's `max(x, BN(DWConv(x)))` as one fused op (forward and backward side by side).
    ///
    /// - Training, 3x3 windows (`FReLU3x3Kernel`): one pass writes `t` and its moments, one writes
    ///   `max(x, a*t + b)` with batch norm folded into `a`, `b`; backward, one pass sums the
    ///   condition's share of the gradient for batch norm's backward, one splits the gradient
    ///   between `x` and the condition and runs the convolution's backward on the split rows while
    ///   they are in cache.
    /// - Other windows: oneDNN's convolution writes `t`, then passes for the moments and the max;
    ///   backward writes the split out, then oneDNN's two backward passes and an add.
    /// - Inference without gradients: batch norm is folded into the depthwise weights and the max
    ///   becomes a post-op of the convolution: one oneDNN primitive, one pass.
    /// - With `inputNorm` (3x3 windows, training or recording gradients): the passes read this
    ///   tensor, `z`, and normalise it as they read (`x = a1 (z - mean1) + β1`); backward's first
    ///   pass also takes the sums the norm's backward sums follow from (`FReLUInputNormPartials`),
    ///   and the second writes `dz` directly. Otherwise the norm runs as its own op first.
    /// - With `residual` as well (a residual block's end: `funnel(norm(z) + residual)`), the passes
    ///   add it as they read, and backward's second pass writes its gradient beside `dz`; the sum
    ///   is never stored.
    /// Running statistics are updated as `batchNorm` does (momentum, unbiased variance).
    public func funnel(convWeight: Tensor, convBias: Tensor?, bnWeight: Tensor, bnBias: Tensor, runningMean: Tensor,
                       runningVar: Tensor, training: Bool, momentum: Float = 0.1, eps: Float = 1e-5,
                       inputNorm: InputNorm? = nil, adding residual: Tensor? = nil) -> Tensor {
        require(rank == 4, "[funnel] input must be [N, C, H, W], got \(shape)")
        if let residual {
            require(inputNorm != nil, "[funnel] a residual is added after an input norm; add it to the input instead")
            require(residual.shape == shape, "[funnel] residual has shape \(residual.shape), expected the input's \(shape)")
        }
        let c = shape[1]
        require(convWeight.shape[0] == c && convWeight.shape[1] == 1, "[funnel] depthwise weight \(convWeight.shape) for input \(shape)")
        let (kh, kw) = (convWeight.shape[2], convWeight.shape[3])
        let g = ConvGeometry(batch: shape[0], inChannels: c, height: shape[2], width: shape[3], outChannels: c, kh: kh, kw: kw,
                             padH: kh / 2, padW: kw / 2, groups: c, hasBias: convBias != nil)
        require(g.outHeight == shape[2] && g.outWidth == shape[3], "[funnel] kernel \(kh)x\(kw) must be odd to keep the size")
        var inputs = [self, convWeight] + (convBias.map { [$0] } ?? []) + [bnWeight, bnBias]
        if let inputNorm { inputs += [inputNorm.weight, inputNorm.bias] }
        if let residual { inputs.append(residual) }
        let recording = GradMode.isEnabled && inputs.contains { $0.requiresGrad }
        let rows = count / c
        if let n = inputNorm, !((training || recording) && FReLU3x3Kernel.supports(DepthwiseShape(g)!)) {
            let x = batchNorm(weight: n.weight, bias: n.bias, runningMean: n.runningMean, runningVar: n.runningVar, training: training,
                              momentum: n.momentum, eps: n.eps, adding: residual)
            return x.funnel(convWeight: convWeight, convBias: convBias, bnWeight: bnWeight, bnBias: bnBias, runningMean: runningMean,
                            runningVar: runningVar, training: training, momentum: momentum, eps: eps)
        }
        OpCounter.current?.add(g)

        if !training && !recording {
            let a = Buffer(count: c), b = Buffer(count: c)
            Tensor.foldNorm(c, bnWeight, bnBias, runningMean.buffer.pointer, runningVar.buffer.pointer, eps, a, b, convBias: convBias)
            // Depthwise weights are [C, 1, kh, kw]: row i holds channel i's kernel, scaled by a_i.
            let w = Buffer(count: convWeight.count)
            let kk = kh * kw
            for i in 0..<c { for j in 0..<kk { w.pointer[i * kk + j] = convWeight.buffer.pointer[i * kk + j] * a.pointer[i] } }
            let out = Tensor(uninitialized: shape)
            var folded = g; folded.hasBias = true
            Convolution.forwardMax(folded, src: buffer.pointer, weight: w.pointer, bias: b.pointer, other: buffer.pointer, dst: out.buffer.pointer)
            return out
        }

        require(!training || rows > 1, "[funnel] training needs more than one value per channel, input \(shape)")
        let dws = DepthwiseShape(g)!  // odd kernel, "same" padding: checked above
        // 3x3 windows run on Funnel's own kernels (FReLU3x3Kernel), others on oneDNN's convolution.
        let own = FReLU3x3Kernel.supports(dws)
        let t = Buffer(count: count)
        let mean = Buffer(count: c), variance = Buffer(count: c)
        let x = buffer.pointer, weight = convWeight.buffer.pointer, bias = convBias?.buffer.pointer
        // The passes of Funnel's own kernels, timed under this label when profiling.
        func passes() -> String { OpProfile.kind("funnel", inputShapes: [shape, convWeight.shape]) + (residual == nil ? "" : " + residual") }
        let normPlan = inputNorm.map { n in
            OpProfile.timePass(passes(), "forward: the input norm's moments") { BatchNormPlan(self, n, training: training, op: "funnel") }
        }
        let packedNorm = normPlan?.packed(), norm = packedNorm.map { UnsafePointer($0.pointer) }
        let res = residual.map { UnsafePointer($0.buffer.pointer) }
        if own {
            OpProfile.timePass(passes(), "forward: t and its moments") {
                FReLU3x3Kernel.convolution(dws, x: x, norm: norm, residual: res, weight: weight, bias: bias, t: t.pointer,
                                           moments: training ? (mean.pointer, variance.pointer) : nil)
            }
        } else {
            Convolution.forward(g, src: x, weight: weight, bias: bias, dst: t.pointer)
            if training { BatchNormKernel.moments(t.pointer, rows: rows, channels: c, mean: mean.pointer, variance: variance.pointer) }
        }
        if training {
            Tensor.updateRunningStatistics(runningMean, runningVar, mean: mean, variance: variance, count: rows, momentum: momentum)
        } else {
            mean.pointer.update(from: runningMean.buffer.pointer, count: c)
            variance.pointer.update(from: runningVar.buffer.pointer, count: c)
        }
        let invStd = Buffer(count: c), a = Buffer(count: c), b = Buffer(count: c)
        for i in 0..<c {
            invStd.pointer[i] = 1 / (variance.pointer[i] + eps).squareRoot()
            a.pointer[i] = bnWeight.buffer.pointer[i] * invStd.pointer[i]
            b.pointer[i] = bnBias.buffer.pointer[i] - a.pointer[i] * mean.pointer[i]
        }
        let out = Tensor(uninitialized: shape)
        if own {
            OpProfile.timePass(passes(), "forward: the output") {
                FReLU3x3Kernel.output(dws, x: x, norm: norm, residual: res, t: t.pointer, scale: a.pointer, shift: b.pointer, y: out.buffer.pointer)
            }
        } else {
            FReLUKernel.maxAffine(x: x, t: t.pointer, scale: a.pointer, shift: b.pointer, y: out.buffer.pointer, rows: rows, channels: c)
        }

        return out.recording("funnel", inputs) { grad in
            // Taken from the buffer here, so the closure holds it.
            let norm = packedNorm.map { UnsafePointer($0.pointer) }, res = residual.map { UnsafePointer($0.buffer.pointer) }
            let sumG = Buffer(count: c), sumGTHat = Buffer(count: c)
            let zeros = Buffer(zeros: c)
            var k = FReLU3x3Kernel.BackwardCoefficients(scale: a.pointer, shift: b.pointer, mean: mean.pointer, invStd: invStd.pointer,
                                                        centerG: zeros.pointer, centerGTHat: zeros.pointer)
            var normPartials: FReLUInputNormPartials?
            if own {
                normPartials = OpProfile.timePass(passes(), "backward: the sums") {
                    FReLU3x3Kernel.backwardSums(dws, g: grad.buffer.pointer, x: x, norm: norm, residual: res, weight: weight, t: t.pointer, k,
                                                sumG: sumG.pointer, sumGTHat: sumGTHat.pointer)
                }
            } else {
                FReLUKernel.backwardSums(g: grad.buffer.pointer, x: x, t: t.pointer, scale: a.pointer, shift: b.pointer,
                                          mean: mean.pointer, invStd: invStd.pointer, rows: rows, channels: c,
                                          sumG: sumG.pointer, sumGTHat: sumGTHat.pointer)
            }
            // Batch statistics depend on t: the gradient is centred; running statistics are constants.
            let centerG = Buffer(zeros: c), centerGTHat = Buffer(zeros: c)
            if training {
                for i in 0..<c {
                    centerG.pointer[i] = sumG.pointer[i] / Float(rows)
                    centerGTHat.pointer[i] = sumGTHat.pointer[i] / Float(rows)
                }
            }
            k.centerG = UnsafePointer(centerG.pointer); k.centerGTHat = UnsafePointer(centerGTHat.pointer)
            let dx = Tensor(uninitialized: self.shape)
            let dw = Tensor(uninitialized: convWeight.shape)
            let db = convBias.map { Tensor(uninitialized: $0.shape) }
            let dResidual = residual.flatMap { $0.requiresGrad ? Tensor(uninitialized: $0.shape) : nil }
            var normGradients: [Tensor?] = []
            if own {
                // With an input norm, its sums come from the first pass and the second writes the gradient of z.
                var normTerms: (k1: Buffer, k2: Buffer)?
                if let normPlan, let normPartials {
                    let normSums = normPartials.normSums(weight: weight, scale: a.pointer, centerG: centerG.pointer,
                                                         centerGTHat: centerGTHat.pointer)
                    let sums = (sumG: normSums.sumDx, sumGCentered: normSums.sumDxCentered)
                    let (dGamma, dBeta) = normPlan.parameterGradients(sums)
                    normGradients = [dGamma, dBeta]
                    normTerms = normPlan.statisticsTerms(sums)
                }
                OpProfile.timePass(passes(), "backward: the gradients") {
                    FReLU3x3Kernel.backward(dws, g: grad.buffer.pointer, x: x, norm: norm, residual: res, t: t.pointer, weight: weight, k,
                                            normTerms: normTerms.map { (UnsafePointer($0.k1.pointer), UnsafePointer($0.k2.pointer)) },
                                            dx: self.requiresGrad ? dx.buffer.pointer : nil, dResidual: dResidual?.buffer.pointer,
                                            dWeight: dw.buffer.pointer, dBias: db?.buffer.pointer)
                }
            } else {
                // The split is written out; the convolution's input gradient is added to the max's share in dx.
                let gt = Buffer(count: self.count)
                FReLUKernel.backwardSplit(g: grad.buffer.pointer, x: x, t: t.pointer, scale: a.pointer, shift: b.pointer,
                                           mean: mean.pointer, invStd: invStd.pointer, centerG: centerG.pointer, centerGTHat: centerGTHat.pointer,
                                           gx: dx.buffer.pointer, gt: gt.pointer, rows: rows, channels: c)
                Convolution.backwardWeights(g, src: x, diffDst: gt.pointer, diffWeight: dw.buffer.pointer, diffBias: db?.buffer.pointer)
                if self.requiresGrad {
                    let dxConv = Buffer(count: self.count)
                    Convolution.backwardData(g, diffDst: gt.pointer, weight: weight, diffSrc: dxConv.pointer)
                    FReLUKernel.accumulate(dxConv.pointer, into: dx.buffer.pointer, count: self.count)
                }
            }
            let dGamma = Tensor(uninitialized: [c]), dBeta = Tensor(uninitialized: [c])
            dGamma.buffer.pointer.update(from: sumGTHat.pointer, count: c)
            dBeta.buffer.pointer.update(from: sumG.pointer, count: c)
            return [self.requiresGrad ? dx : nil, dw] + (convBias == nil ? [] : [db]) + [dGamma, dBeta] + normGradients
                + (residual == nil ? [] : [dResidual])
        }
    }

    /// Batch norm with running statistics folded into a per-channel scale and shift:
    /// `a = γ / sqrt(var + eps)`, `b = β + (bias - mean) * a` (bias of the preceding conv, if any).
    private static func foldNorm(_ c: Int, _ gamma: Tensor, _ beta: Tensor, _ mean: UnsafePointer<Float>, _ variance: UnsafePointer<Float>,
                                 _ eps: Float, _ a: Buffer, _ b: Buffer, convBias: Tensor?) {
        for i in 0..<c {
            a.pointer[i] = gamma.buffer.pointer[i] / (variance[i] + eps).squareRoot()
            b.pointer[i] = beta.buffer.pointer[i] + ((convBias?.buffer.pointer[i] ?? 0) - mean[i]) * a.pointer[i]
        }
    }
}
