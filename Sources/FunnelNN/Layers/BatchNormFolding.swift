import FunnelKernels
import FunnelTensor

/// A module that knows which of its convolutions feed straight into which batch norms, so that
/// inference can fold each norm into its convolution (see `Module.foldBatchNorms()`).
public protocol BatchNormFoldable: Module {
    /// Each convolution whose output goes only to the batch norm beside it.
    var convolutionNormPairs: [(Conv2d, BatchNorm)] { get }
}

/// A convolution with the batch norm after it folded in. In inference the norm is the per-channel
/// affine `a t + b`, `a = γ / √(σ² + ε)`, `b = β - a μ`; applied to `t = W * x + c` it is one
/// convolution with `W' = a W` (each output channel's filter scaled) and `c' = a (c - μ) + β`.
/// Computed in double precision, rounded once to float. Used by `BatchNorm.fold(into:)` and by
/// exporters that write the folded weights without changing the model.
public struct FoldedConvolution {
    public let weight: [Float]
    public let bias: [Float]

    public init(_ conv: Conv2d, _ norm: BatchNorm) {
        let filters = conv.weight.shape[0], perFilter = conv.weight.count / filters
        require(norm.weight.count == filters, "[BatchNorm] folding \(norm.weight.count) channels into a convolution with \(filters) filters")
        let w = conv.weight.scalars, c = conv.bias?.scalars ?? [Float](repeating: 0, count: filters)
        let (gamma, beta, mean, variance) = (norm.weight.scalars, norm.bias.scalars, norm.runningMean.scalars, norm.runningVar.scalars)
        let a = (0..<filters).map { Double(gamma[$0]) / (Double(variance[$0]) + Double(norm.eps)).squareRoot() }
        weight = w.indices.map { Float(Double(w[$0]) * a[$0 / perFilter]) }
        bias = (0..<filters).map { Float(a[$0] * (Double(c[$0]) - Double(mean[$0])) + Double(beta[$0])) }
    }
}

extension BatchNorm {
    /// Folds this norm, on its running statistics, into `conv`, whose output it normalises
    /// (`FoldedConvolution`), so that `conv'(x) = BN(conv(x))`. From then on the norm passes its
    /// input through (inference only).
    public func fold(into conv: Conv2d) {
        require(!isFolded, "[BatchNorm] already folded")
        let folded = FoldedConvolution(conv, self)
        conv.weight.assign(Tensor(shape: conv.weight.shape, scalars: folded.weight))
        let bias = Tensor(shape: [folded.bias.count], scalars: folded.bias)
        if let existing = conv.bias { existing.assign(bias) } else { conv.bias = bias }
        isFolded = true
    }
}

extension Sequential: BatchNormFoldable {
    /// Adjacent convolution, batch norm layers (a projection shortcut).
    public var convolutionNormPairs: [(Conv2d, BatchNorm)] {
        zip(layers, layers.dropFirst()).compactMap { first, second in
            guard let conv = first as? Conv2d, let norm = second as? BatchNorm else { return nil }
            return (conv, norm)
        }
    }
}

extension Module {
    /// Folds every batch norm that directly follows a convolution, in modules that declare such
    /// pairs (`BatchNormFoldable`), into that convolution: the model computes the same in
    /// inference with one memory pass less per pair. The model must be in inference mode and stays
    /// there; checkpoints saved from it afterwards hold the folded weights.
    /// - Returns: how many norms were folded.
    @discardableResult
    public func foldBatchNorms() -> Int {
        require(!isTraining, "[foldBatchNorms] set the model to inference mode first: folded norms cannot train")
        var folded = 0
        for (_, module) in namedModules {
            guard let foldable = module as? BatchNormFoldable else { continue }
            for (conv, norm) in foldable.convolutionNormPairs where !norm.isFolded {
                norm.fold(into: conv)
                folded += 1
            }
        }
        return folded
    }
}
