import FunnelKernels
import FunnelTensor

/// Batch normalisation over channels of `[N, C, H, W]` or `[N, C]`, PyTorch's `BatchNorm2d`/`1d`:
/// training normalises with batch statistics and updates `running_mean` / `running_var`
/// (momentum 0.1, unbiased variance); inference uses the running statistics.
public final class BatchNorm: Module {
    public var weight: Tensor
    public var bias: Tensor
    public var runningMean: Tensor
    public var runningVar: Tensor
    public var numBatchesTracked = 0
    public let momentum: Float, eps: Float
    /// Whether its affine map now lives in the convolution before it (`fold(into:)`): it then
    /// passes its input through, in inference only.
    public internal(set) var isFolded = false

    public init(_ channels: Int, momentum: Float = 0.1, eps: Float = 1e-5) {
        weight = parameter(Tensor.ones([channels]))
        bias = parameter(Tensor.zeros([channels]))
        runningMean = Tensor.zeros([channels])
        runningVar = Tensor.ones([channels])
        self.momentum = momentum; self.eps = eps
    }

    public override func forward(_ x: Tensor) -> Tensor {
        if isFolded {
            require(!isTraining, "[BatchNorm] folded into its convolution for inference; it cannot train")
            return x
        }
        return normalized(x, relu: false)
    }

    /// The batch-norm op in the current mode, counting training batches as PyTorch does.
    private func normalized(_ x: Tensor, adding residual: Tensor? = nil, relu: Bool) -> Tensor {
        if isTraining { numBatchesTracked += 1 }
        return x.batchNorm(weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                           training: isTraining, momentum: momentum, eps: eps, adding: residual, relu: relu)
    }

    /// `activation(self(x))`, in one pass when the activation is a plain ReLU (no pass and no
    /// stored tensor for the values before the ReLU), and inside the activation's passes when it
    /// is an FReLU on the fused kernel (`FReLU.callAsFunction(_:after:)`) or a DY-ReLU that can
    /// (`DyReLU.fusesNorm`).
    public func callAsFunction(_ x: Tensor, then activation: Module) -> Tensor {
        if let frelu = activation as? FReLU, frelu.fusesNorm(self) { return frelu(x, after: self) }
        if let dyrelu = activation as? DyReLU, dyrelu.fusesNorm(self, input: x) { return dyrelu(x, after: self) }
        guard !isFolded, activation.isPlainReLU else { return activation(self(x)) }
        return normalized(x, relu: true)
    }

    /// `activation(self(x) + residual)`: a residual block's end. The norm and the addition are one
    /// pass, and so is a plain ReLU after them; an FReLU on the fused kernel or a DY-ReLU that can
    /// runs them inside its own passes.
    public func callAsFunction(_ x: Tensor, adding residual: Tensor, then activation: Module) -> Tensor {
        if isFolded { return activation(x, adding: residual) }
        if let frelu = activation as? FReLU, frelu.fusesNorm(self) { return frelu(x, after: self, adding: residual) }
        if let dyrelu = activation as? DyReLU, dyrelu.fusesNorm(self, input: x) { return dyrelu(x, after: self, adding: residual) }
        let relu = activation.isPlainReLU
        let out = normalized(x, adding: residual, relu: relu)
        return relu ? out : activation(out)
    }

    public override var integerBuffers: [(String, Int)] { [("num_batches_tracked", numBatchesTracked)] }
    public override func setIntegerBuffer(_ name: String, _ value: Int) {
        if name == "num_batches_tracked" { numBatchesTracked = value }
    }
}

/// Group normalisation (`nn.GroupNorm`): statistics per sample over groups of channels and all
/// positions; per-channel affine. One group is layer norm over (C, H, W); C groups is instance norm.
public final class GroupNorm: Module {
    public var weight: Tensor?
    public var bias: Tensor?
    public let groups: Int, eps: Float

    public init(groups: Int, channels: Int, eps: Float = 1e-5, affine: Bool = true) {
        require(channels % groups == 0, "[GroupNorm] \(channels) channels not divisible by \(groups) groups")
        self.groups = groups; self.eps = eps
        weight = affine ? parameter(Tensor.ones([channels])) : nil
        bias = affine ? parameter(Tensor.zeros([channels])) : nil
    }

    public override func forward(_ x: Tensor) -> Tensor {
        x.groupNorm(groups: groups, weight: weight, bias: bias, eps: eps)
    }
}

/// Layer normalisation over the trailing `normalizedShape` (`nn.LayerNorm`), elementwise affine.
public final class LayerNorm: Module {
    public var weight: Tensor
    public var bias: Tensor
    public let normalizedShape: [Int], eps: Float

    public init(_ normalizedShape: [Int], eps: Float = 1e-5) {
        self.normalizedShape = normalizedShape; self.eps = eps
        weight = parameter(Tensor.ones(normalizedShape))
        bias = parameter(Tensor.zeros(normalizedShape))
    }

    public override func forward(_ x: Tensor) -> Tensor {
        x.layerNorm(normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
    }
}

/// Instance normalisation of `[N, C, H, W]` (`nn.InstanceNorm2d(affine=True)`): per sample and channel.
public final class InstanceNorm: Module {
    public var weight: Tensor
    public var bias: Tensor
    public let eps: Float

    public init(_ channels: Int, eps: Float = 1e-5) {
        self.eps = eps
        weight = parameter(Tensor.ones([channels]))
        bias = parameter(Tensor.zeros([channels]))
    }

    public override func forward(_ x: Tensor) -> Tensor {
        x.groupNorm(groups: x.shape[1], weight: weight, bias: bias, eps: eps)
    }
}

extension InputNorm {
    /// `norm`'s parameters and statistics, to run inside the next op's passes.
    public init(_ norm: BatchNorm) {
        self.init(weight: norm.weight, bias: norm.bias, runningMean: norm.runningMean, runningVar: norm.runningVar,
                  momentum: norm.momentum, eps: norm.eps)
    }
}
