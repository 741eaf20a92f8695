import FunnelTensor

/// A module that knows which of its convolutions feed straight into which batch norms, so that
/// inference can fold each norm into its convolution (see `Module.foldBatchNorms()`).
public protocol BatchNormFoldable: Module {
    /// Each convolution whose output goes only to the batch norm beside it.
    var convolutionNormPairs: [(Conv2d, BatchNorm)] { get }
}

extension BatchNorm {
    /// Folds this norm, on its running statistics, into `conv`, whose output it normalises:
    /// `W' = W s` per output channel and `b' = (b - μ) s + β` with `s = γ / √(σ² + ε)`, so that
    /// `conv'(x) = BN(conv(x))`. From then on the norm passes its input through (inference only).
    public func fold(into conv: Conv2d) {
        require(!isFolded, "[BatchNorm] already folded")
        require(conv.weight.shape[0] == weight.shape[0],
                "[BatchNorm] folding \(weight.shape[0]) channels into a convolution with \(conv.weight.shape[0]) outputs")
        let (gamma, beta, mean, variance) = (weight.scalars, bias.scalars, runningMean.scalars, runningVar.scalars)
        let scale = (0..<gamma.count).map { gamma[$0] / (variance[$0] + eps).squareRoot() }
        let perChannel = conv.weight.count / scale.count
        var w = conv.weight.scalars
        for i in w.indices { w[i] *= scale[i / perChannel] }
        let b = conv.bias?.scalars ?? [Float](repeating: 0, count: scale.count)
        conv.weight.assign(Tensor(shape: conv.weight.shape, scalars: w))
        let folded = Tensor(shape: [scale.count], scalars: (0..<scale.count).map { (b[$0] - mean[$0]) * scale[$0] + beta[$0] })
        if let bias = conv.bias { bias.assign(folded) } else { conv.bias = folded }
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
