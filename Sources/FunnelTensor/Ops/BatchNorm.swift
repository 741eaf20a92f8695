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
        let name = "batch_norm" + (residual == nil ? "" : "_add") + (relu ? "_relu" : "")
        // Its passes, timed under this label when profiling (as the funnel op's, to set them side by side).
        func passes() -> String { "\(name) \(c)ch" }
        let plan = OpProfile.timePass(passes(), "forward: the moments") {
            BatchNormPlan(self, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                          training: training, momentum: momentum, eps: eps, op: "batch_norm")
        }
        let out = Tensor(uninitialized: shape)
        OpProfile.timePass(passes(), "forward: the output") {
            BatchNormKernel.apply(buffer.pointer, rows: rows, channels: c, plan.coefficients, residual: residual?.buffer.pointer, relu: relu,
                                  y: out.buffer.pointer)
        }
        // With a residual the ReLU's sign cannot be recomputed from x alone: backward reads it from the output.
        let saved = residual != nil && relu ? out.detached() : nil
        let adds = residual != nil  // the closure keeps this, not the residual tensor

        return out.recording(name, [self, weight, bias] + (residual.map { [$0] } ?? [])) { g in
            let sums = OpProfile.timePass(passes(), "backward: the sums") {
                BatchNormKernel.backwardSums(g: g.buffer.pointer, x: self.buffer.pointer, rows: rows, channels: c,
                                             plan.coefficients, relu: relu, output: saved?.buffer.pointer)
            }
            let (dw, db) = plan.parameterGradients(sums)
            // The residual's gradient: g itself, or with a ReLU the part that passes it, written by the same pass as dx.
            let passed = saved.map { Tensor(uninitialized: $0.shape) }
            let dx = OpProfile.timePass(passes(), "backward: the gradients") {
                plan.inputGradient(g, of: self, sums: sums, relu: relu, output: saved, passed: passed)
            }
            return [dx, dw, db] + (adds ? [passed ?? g] : [])
        }
    }
}

/// A batch norm that the op after it runs inside its own passes (a ResNet block's `bn1` before
/// FReLU or DY-ReLU): the op reads the norm's input and normalises as it reads, so the norm's
/// output is never stored; `x.funnel(…, inputNorm: n)` is `x.batchNorm(n…).funnel(…)`. Training
/// mode is the op's.
public struct InputNorm {
    public var weight, bias, runningMean, runningVar: Tensor
    public var momentum: Float, eps: Float
    public init(weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor, momentum: Float = 0.1, eps: Float = 1e-5) {
        self.weight = weight; self.bias = bias; self.runningMean = runningMean; self.runningVar = runningVar
        self.momentum = momentum; self.eps = eps
    }
}

/// One batch-norm call's per-channel state, `y = a (x - mean) + β`, `a = γ invStd`: the statistics
/// it normalises with (the batch's, after updating the running ones, or copies of the running
/// ones), and its gradients from the sums of `BatchNormKernel.backwardSums`. Used by `batchNorm`
/// and by ops that run a batch norm inside their passes (`funnel(…, inputNorm:)`). Holding the
/// buffers, it keeps the kernels' pointers valid for as long as a backward closure holds it.
final class BatchNormPlan {
    let channels: Int, rows: Int, training: Bool
    let mean: Buffer, invStd: Buffer, scale: Buffer, shift: Buffer

    /// With `moments` (training: the batch's mean and biased variance, taken by the caller's own
    /// pass), the plan does not take them itself.
    init(_ x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor, training: Bool, momentum: Float, eps: Float,
         op: String, moments: (mean: Buffer, variance: Buffer)? = nil) {
        let c = x.shape[1], rows = x.count / c
        self.channels = c; self.rows = rows; self.training = training
        mean = Buffer(count: c); invStd = Buffer(count: c); scale = Buffer(count: c); shift = Buffer(count: c)
        let variance = Buffer(count: c)
        if training {
            require(rows > 1, "[\(op)] training needs more than one value per channel, input \(x.shape)")
            if let moments {
                mean.pointer.update(from: moments.mean.pointer, count: c)
                variance.pointer.update(from: moments.variance.pointer, count: c)
            } else {
                BatchNormKernel.moments(x.buffer.pointer, rows: rows, channels: c, mean: mean.pointer, variance: variance.pointer)
            }
            Tensor.updateRunningStatistics(runningMean, runningVar, mean: mean, variance: variance, count: rows, momentum: momentum)
        } else {
            // Copies, so a later in-place update of the running statistics cannot change the backward.
            mean.pointer.update(from: runningMean.buffer.pointer, count: c)
            variance.pointer.update(from: runningVar.buffer.pointer, count: c)
        }
        // β is copied too: the optimizer updates it in place before the backward runs.
        for i in 0..<c {
            invStd.pointer[i] = 1 / (variance.pointer[i] + eps).squareRoot()
            scale.pointer[i] = weight.buffer.pointer[i] * invStd.pointer[i]
            shift.pointer[i] = bias.buffer.pointer[i]
        }
    }

    /// The plan of an input norm (`InputNorm`) for the op's input `x`.
    convenience init(_ x: Tensor, _ n: InputNorm, training: Bool, op: String, moments: (mean: Buffer, variance: Buffer)? = nil) {
        self.init(x, weight: n.weight, bias: n.bias, runningMean: n.runningMean, runningVar: n.runningVar, training: training,
                  momentum: n.momentum, eps: n.eps, op: op, moments: moments)
    }

    var coefficients: BatchNormKernel.Coefficients {
        BatchNormKernel.Coefficients(scale: scale.pointer, mean: mean.pointer, shift: shift.pointer)
    }

    /// `a`, `mean`, `β` per channel, one after another: the input norm `FReLU3x3Kernel` takes.
    func packed() -> Buffer { Buffer(packing: [scale.pointer, mean.pointer, shift.pointer], channels: channels) }

    /// γ's and β's gradients: `Σ g' (x - mean) invStd`, `Σ g'`.
    func parameterGradients(_ sums: (sumG: [Double], sumGCentered: [Double])) -> (Tensor, Tensor) {
        let dw = Tensor(uninitialized: [channels]), db = Tensor(uninitialized: [channels])
        for i in 0..<channels {
            dw.buffer.pointer[i] = Float(sums.sumGCentered[i] * Double(invStd.pointer[i]))
            db.buffer.pointer[i] = Float(sums.sumG[i])
        }
        return (dw, db)
    }

    /// The gradient of the norm's input `x` given the gradient `g` at its output (before a fused
    /// ReLU, `relu`) and the sums of `g'` (`BatchNormKernel.backwardSums`): `a g' - k1 - (x - mean) k2`,
    /// `k1 = a Σg'/n`, `k2 = a invStd² Σg'(x - mean)/n` for batch statistics, zero for running ones.
    /// With `output`, the ReLU's sign is read from it; `passed` receives `g'`.
    func inputGradient(_ g: Tensor, of x: Tensor, sums: (sumG: [Double], sumGCentered: [Double]), relu: Bool,
                       output: Tensor? = nil, passed: Tensor? = nil) -> Tensor {
        let (k1, k2) = statisticsTerms(sums)
        let dx = Tensor(uninitialized: x.shape)
        BatchNormKernel.backward(g: g.buffer.pointer, x: x.buffer.pointer, rows: rows, channels: channels, coefficients,
                                 k1: k1.pointer, k2: k2.pointer, relu: relu, output: output?.buffer.pointer, dx: dx.buffer.pointer,
                                 passed: passed?.buffer.pointer)
        return dx
    }

    /// `k1 = a Σg'/n`, `k2 = a invStd² Σg'(x - mean)/n`: the input gradient's terms through the
    /// batch statistics; zero for running statistics.
    func statisticsTerms(_ sums: (sumG: [Double], sumGCentered: [Double])) -> (k1: Buffer, k2: Buffer) {
        let k1 = Buffer(zeros: channels), k2 = Buffer(zeros: channels)
        if training {
            for i in 0..<channels {
                let a = Double(scale.pointer[i]), s = Double(invStd.pointer[i])
                k1.pointer[i] = Float(a * sums.sumG[i] / Double(rows))
                k2.pointer[i] = Float(a * s * s * sums.sumGCentered[i] / Double(rows))
            }
        }
        return (k1, k2)
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
