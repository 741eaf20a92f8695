import FunnelKernels

extension Tensor {
    /// Batch normalisation of `[N, C, H, W]` (or `[N, C]`): `(x - mean) / sqrt(var + eps) * weight + bias`.
    ///
    /// Training: normalises with the batch's mean and biased variance and updates the running
    /// statistics in place as PyTorch does: `running = (1 - momentum) * running + momentum * batch`,
    /// with the unbiased variance. Eval: normalises with the running statistics.
    ///
    /// With `relu`, the output is `max(·, 0)`, as `batchNorm(...).relu()`, in the same pass: the
    /// values before the ReLU are never stored (backward recomputes their sign). With `residual`,
    /// the output is `batchNorm(...) + residual` before the ReLU, also in the same pass: a residual
    /// block's closing norm, addition and ReLU read two tensors and write one.
    ///
    /// Forward and backward sit on `BatchNormKernel`, channels-last data viewed as `rows x C`:
    /// batch norm is `y = a (x - mean) + β` per channel, `a = γ invStd`, and its input gradient
    /// `a g - k1 - (x - mean) k2`, where `k1`, `k2` carry the gradient through the batch
    /// statistics (zero for running statistics, which are constants).
    public func batchNorm(weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor,
                          training: Bool, momentum: Float = 0.1, eps: Float = 1e-5, adding residual: Tensor? = nil,
                          relu: Bool = false) -> Tensor {
        require(rank == 4 || rank == 2, "[batch_norm] input must be [N, C, H, W] or [N, C], got \(shape)")
        let c = shape[1], rows = count / c
        for (name, t) in [("weight", weight), ("bias", bias), ("running_mean", runningMean), ("running_var", runningVar)] {
            require(t.shape == [c], "[batch_norm] \(name) has shape \(t.shape), expected [\(c)] for input \(shape)")
        }
        if let residual { require(residual.shape == shape, "[batch_norm] residual has shape \(residual.shape), expected the input's \(shape)") }
        // Copies of the running statistics in eval mode, so a later in-place update cannot change this op's backward.
        let mean = Buffer(count: c), variance = Buffer(count: c)
        if training {
            require(rows > 1, "[batch_norm] training needs more than one value per channel, input \(shape)")
            BatchNormKernel.moments(buffer.pointer, rows: rows, channels: c, mean: mean.pointer, variance: variance.pointer)
            Tensor.updateRunningStatistics(runningMean, runningVar, mean: mean, variance: variance, count: rows, momentum: momentum)
        } else {
            mean.pointer.update(from: runningMean.buffer.pointer, count: c)
            variance.pointer.update(from: runningVar.buffer.pointer, count: c)
        }
        // β is copied too: the optimizer updates it in place before this op's backward runs.
        let invStd = Buffer(count: c), a = Buffer(count: c), beta = Buffer(count: c)
        for i in 0..<c {
            invStd.pointer[i] = 1 / (variance.pointer[i] + eps).squareRoot()
            a.pointer[i] = weight.buffer.pointer[i] * invStd.pointer[i]
            beta.pointer[i] = bias.buffer.pointer[i]
        }
        let out = Tensor(uninitialized: shape)
        BatchNormKernel.apply(buffer.pointer, rows: rows, channels: c, BatchNormKernel.Coefficients(scale: a.pointer, mean: mean.pointer, shift: beta.pointer),
                              residual: residual?.buffer.pointer, relu: relu, y: out.buffer.pointer)
        // With a residual the ReLU's sign cannot be recomputed from x alone: backward reads it from the output.
        let saved = residual != nil && relu ? out.detached() : nil

        let name = "batch_norm" + (residual == nil ? "" : "_add") + (relu ? "_relu" : "")
        return out.recording(name, [self, weight, bias] + (residual.map { [$0] } ?? [])) { g in
            // Made here, so the closure holds the buffers behind the pointers.
            let k = BatchNormKernel.Coefficients(scale: a.pointer, mean: mean.pointer, shift: beta.pointer)
            let x = self.buffer.pointer
            var passed = g
            if let saved {
                passed = Tensor(uninitialized: g.shape)
                Eltwise.backward(.relu(slope: 0), count: g.count, saved: saved.buffer.pointer, diffDst: g.buffer.pointer, diffSrc: passed.buffer.pointer)
            }
            let reluInKernel = relu && saved == nil
            let (sumG, sumGCentered) = BatchNormKernel.backwardSums(g: passed.buffer.pointer, x: x, rows: rows, channels: c, k, relu: reluInKernel)
            let k1 = Buffer(zeros: c), k2 = Buffer(zeros: c)
            if training {
                for i in 0..<c {
                    let ai = Double(a.pointer[i]), s = Double(invStd.pointer[i])
                    k1.pointer[i] = Float(ai * sumG[i] / Double(rows))
                    k2.pointer[i] = Float(ai * s * s * sumGCentered[i] / Double(rows))
                }
            }
            let dx = Tensor(uninitialized: self.shape), dw = Tensor(uninitialized: [c]), db = Tensor(uninitialized: [c])
            BatchNormKernel.backward(g: passed.buffer.pointer, x: x, rows: rows, channels: c, k, k1: k1.pointer, k2: k2.pointer,
                                     relu: reluInKernel, dx: dx.buffer.pointer)
            for i in 0..<c {
                dw.buffer.pointer[i] = Float(sumGCentered[i] * Double(invStd.pointer[i]))
                db.buffer.pointer[i] = Float(sumG[i])
            }
            return [dx, dw, db] + (residual == nil ? [] : [passed])
        }
    }
}

extension Tensor {
    /// PyTorch's running-statistics update after a training batch of `count` values per channel:
    /// `running = (1 - momentum) * running + momentum * batch`, with the unbiased batch variance.
    static func updateRunningStatistics(_ runningMean: Tensor, _ runningVar: Tensor, mean: Buffer, variance: Buffer,
                                        count n: Int, momentum: Float) {
        let rm = runningMean.buffer.pointer, rv = runningVar.buffer.pointer
        let unbias = Float(n) / Float(n - 1)
        for i in 0..<runningMean.count {
            rm[i] = (1 - momentum) * rm[i] + momentum * mean.pointer[i]
            rv[i] = (1 - momentum) * rv[i] + momentum * variance.pointer[i] * unbias
        }
    }
}
