import FunnelKernels

extension Tensor {
    /// Batch normalisation of `[N, C, H, W]` (or `[N, C]`): `(x - mean) / sqrt(var + eps) * weight + bias`.
    ///
    /// Training: normalises with the batch's mean and biased variance and updates the running
    /// statistics in place as PyTorch does: `running = (1 - momentum) * running + momentum * batch`,
    /// with the unbiased variance. Eval: normalises with the running statistics.
    ///
    /// With `relu`, the output is `max(·, 0)`, as `batchNorm(...).relu()`, in the same pass: the
    /// values before the ReLU are never stored, only a bit mask of where they were positive.
    public func batchNorm(weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor,
                          training: Bool, momentum: Float = 0.1, eps: Float = 1e-5, relu: Bool = false) -> Tensor {
        require(rank == 4 || rank == 2, "[batch_norm] input must be [N, C, H, W] or [N, C], got \(shape)")
        let c = shape[1]
        for (name, t) in [("weight", weight), ("bias", bias), ("running_mean", runningMean), ("running_var", runningVar)] {
            require(t.shape == [c], "[batch_norm] \(name) has shape \(t.shape), expected [\(c)] for input \(shape)")
        }
        let x4 = rank == 4 ? self : reshaped(to: [shape[0], c, 1, 1])
        let l = x4.layout
        let out = Tensor(uninitialized: x4.shape)
        let maskBytes = relu ? BatchNormalization.reluWorkspaceBytes(l, eps: eps, useGlobalStats: !training) : 0
        let mask = relu ? Buffer(count: (maskBytes + 3) / 4) : nil
        let maskPointer = mask.map { UnsafeMutableRawPointer($0.pointer) }
        let mean: Buffer, variance: Buffer
        if training {
            let n = count / c
            require(n > 1, "[batch_norm] training needs more than one value per channel, input \(shape)")
            mean = Buffer(count: c); variance = Buffer(count: c)
            BatchNormalization.forward(l, eps: eps, useGlobalStats: false, src: x4.buffer.pointer, scale: weight.buffer.pointer,
                                       shift: bias.buffer.pointer, mean: mean.pointer, variance: variance.pointer, dst: out.buffer.pointer,
                                       reluWorkspace: maskPointer)
            Tensor.updateRunningStatistics(runningMean, runningVar, mean: mean, variance: variance, count: n, momentum: momentum)
        } else {
            // Copies, so a later in-place update of the running stats cannot change this op's backward.
            mean = Buffer(count: c); variance = Buffer(count: c)
            mean.pointer.update(from: runningMean.buffer.pointer, count: c)
            variance.pointer.update(from: runningVar.buffer.pointer, count: c)
            BatchNormalization.forward(l, eps: eps, useGlobalStats: true, src: x4.buffer.pointer, scale: weight.buffer.pointer,
                                       shift: bias.buffer.pointer, mean: mean.pointer, variance: variance.pointer, dst: out.buffer.pointer,
                                       reluWorkspace: maskPointer)
        }
        let result = rank == 4 ? out : withoutGrad { out.reshaped(to: shape) }
        return result.recording(relu ? "batch_norm_relu" : "batch_norm", [self, weight, bias]) { g in
            let dx = Tensor(uninitialized: x4.shape), dw = Tensor(uninitialized: [c]), db = Tensor(uninitialized: [c])
            BatchNormalization.backward(l, eps: eps, useGlobalStats: !training, src: x4.buffer.pointer, diffDst: g.reshaped(to: x4.shape).buffer.pointer,
                                        scale: weight.buffer.pointer, shift: bias.buffer.pointer, mean: mean.pointer, variance: variance.pointer,
                                        diffSrc: dx.buffer.pointer, diffScale: dw.buffer.pointer, diffShift: db.buffer.pointer,
                                        reluWorkspace: mask.map { UnsafeRawPointer($0.pointer) })  // captures the buffer, keeping it alive
            return [dx.reshaped(to: self.shape), dw, db]
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
