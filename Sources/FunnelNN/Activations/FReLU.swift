import FunnelTensor

/// Funnel activation (Ma, Zhang & Sun, ECCV 2020): `y = max(x, T(x))` with the spatial condition
/// `T(x) = BN(DWConv_kxk(x))`, a depthwise k x k convolution (stride 1, same padding, with bias)
/// followed by batch norm. Adds `C*k*k + C` conv and `2C` norm parameters.
///
/// Every ablation of the paper is a configuration of this one type: the condition (parametric
/// pooling, max pool, average pool), the combination (max; sum `x + T(x)`, row D; `max(T(x), 0)`,
/// row E), the norm inside the condition, and the window (k x k, `1x3 + 3x1` — the official
/// light-weight ShuffleNetV2 variant — or `max(1x3, 3x1)`).
/// PyTorch names: `conv_frelu.*`, `bn_frelu.*` (pairs: `conv_frelu1/2`, `bn_frelu1/2`).
public final class FReLU: Module {
    public enum Condition: String, Sendable { case parametric = "param", maxPool = "maxpool", avgPool = "avgpool" }
    public enum Combination: String, Sendable { case max, sum, relu }
    public enum Norm: Equatable, Sendable { case none, batch, layer, instance, group(Int) }
    public enum Window: Equatable, Sendable {
        /// One k x k depthwise conv.
        case square(Int)
        /// `bn1(conv1x3(x)) + bn2(conv3x1(x))`, convs without bias (official light-weight FReLU).
        case sumOfStrips
        /// `max(bn1(conv1x3(x)), bn2(conv3x1(x)))`.
        case maxOfStrips
    }

    public let condition: Condition, combination: Combination, norm: Norm, window: Window
    /// Use the fused depthwise + batch norm + max kernel when the configuration allows it.
    public var fused: Bool

    public var convFrelu: Conv2d?
    public var bnFrelu: Module?
    public var convFrelu1: Conv2d?
    public var bnFrelu1: Module?
    public var convFrelu2: Conv2d?
    public var bnFrelu2: Module?

    /// - Parameter initStd: std of the Gaussian conv init; small, so T(x) starts near 0 and FReLU near ReLU.
    public init(channels c: Int, condition: Condition = .parametric, combination: Combination = .max, norm: Norm = .batch,
                window: Window = .square(3), initStd: Float = 0.01, fused: Bool = true) {
        self.condition = condition; self.combination = combination; self.norm = norm; self.window = window; self.fused = fused
        super.init()
        guard condition == .parametric else { return }
        func dw(_ kh: Int, _ kw: Int, bias: Bool) -> Conv2d {
            let conv = Conv2d(c, c, kernel: (kh, kw), padding: (kh / 2, kw / 2), groups: c, bias: bias, initializer: .normal(std: initStd))
            if let b = conv.bias { b.assign(Tensor.zeros([c])) }
            return conv
        }
        switch window {
        case .square(let k):
            convFrelu = dw(k, k, bias: true)
            bnFrelu = FReLU.makeNorm(norm, c)
        case .sumOfStrips, .maxOfStrips:
            convFrelu1 = dw(1, 3, bias: false); bnFrelu1 = FReLU.makeNorm(norm, c)
            convFrelu2 = dw(3, 1, bias: false); bnFrelu2 = FReLU.makeNorm(norm, c)
        }
    }

    static func makeNorm(_ norm: Norm, _ c: Int) -> Module? {
        switch norm {
        case .none: nil
        case .batch: BatchNorm(c)
        case .layer: GroupNorm(groups: 1, channels: c)
        case .instance: InstanceNorm(c)
        case .group(let g): GroupNorm(groups: g, channels: c)
        }
    }

    /// The funnel condition T(x).
    public func spatialCondition(_ x: Tensor) -> Tensor {
        func normed(_ conv: Conv2d?, _ bn: Module?) -> Tensor {
            let t = conv!(x)
            return bn.map { $0(t) } ?? t
        }
        switch (condition, window) {
        case (.maxPool, _): return x.maxPool2d(kernel: (3, 3), stride: (1, 1), padding: (1, 1))
        case (.avgPool, _): return x.avgPool2d(kernel: (3, 3), stride: (1, 1), padding: (1, 1))
        case (.parametric, .square): return normed(convFrelu, bnFrelu)
        case (.parametric, .sumOfStrips): return normed(convFrelu1, bnFrelu1) + normed(convFrelu2, bnFrelu2)
        case (.parametric, .maxOfStrips): return Tensor.maximum(normed(convFrelu1, bnFrelu1), normed(convFrelu2, bnFrelu2))
        }
    }

    /// Whether this configuration runs on the fused kernel.
    public var usesFusedKernel: Bool {
        fused && condition == .parametric && combination == .max && norm == .batch && convFrelu != nil
    }

    public override func forward(_ x: Tensor) -> Tensor {
        usesFusedKernel ? funnelOp(x, inputNorm: nil) : unfused(x)
    }

    /// Whether `self(x, after: norm)` runs the norm inside the funnel op's passes: the fused kernel,
    /// the norm not folded and in the same mode.
    public func fusesNorm(_ norm: BatchNorm) -> Bool {
        usesFusedKernel && !norm.isFolded && norm.isTraining == isTraining
    }

    /// `self(norm(x))`, or `self(norm(x) + residual)` at a residual block's end, with the norm
    /// (and the addition) run inside the funnel op's passes (`InputNorm`) when the fused kernel
    /// applies and both are in the same mode.
    public func callAsFunction(_ x: Tensor, after norm: BatchNorm, adding residual: Tensor? = nil) -> Tensor {
        guard fusesNorm(norm) else { return residual.map { norm(x, adding: $0, then: self) } ?? self(norm(x)) }
        if isTraining { norm.numBatchesTracked += 1 }
        return funnelOp(x, inputNorm: InputNorm(norm), adding: residual)
    }

    /// The fused funnel op (`usesFusedKernel`), counting the condition's training batches.
    private func funnelOp(_ x: Tensor, inputNorm: InputNorm?, adding residual: Tensor? = nil) -> Tensor {
        let conv = convFrelu!, bn = bnFrelu as! BatchNorm
        if isTraining { bn.numBatchesTracked += 1 }
        return x.funnel(convWeight: conv.weight, convBias: conv.bias, bnWeight: bn.weight, bnBias: bn.bias,
                        runningMean: bn.runningMean, runningVar: bn.runningVar, training: isTraining,
                        momentum: bn.momentum, eps: bn.eps, inputNorm: inputNorm, adding: residual)
    }

    /// The condition and the combination as separate ops.
    private func unfused(_ x: Tensor) -> Tensor {
        let t = spatialCondition(x)
        switch combination {
        case .max: return Tensor.maximum(x, t)
        case .sum: return x + t
        case .relu: return t.relu()
        }
    }
}
