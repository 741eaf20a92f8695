import FunnelTensor

/// An activation that maps each element on its own, `y = f(x)`, with no parameters.
/// `f` is one of the documented `Tensor` functions (`relu`, `mish`, ...), so its gradient comes free.
public final class Pointwise: Module {
    public let name: String
    let function: @Sendable (Tensor) -> Tensor

    public init(_ name: String, _ function: @escaping @Sendable (Tensor) -> Tensor) {
        self.name = name
        self.function = function
    }

    public override func forward(_ x: Tensor) -> Tensor { function(x) }
}

/// PReLU `max(0, x) + p * min(0, x)` with a learnable slope `p` per channel (`nn.PReLU(C)`,
/// init 0.25) or one shared slope (`nn.PReLU()`). PyTorch name: `weight`.
public final class PReLU: Module {
    public var weight: Tensor

    public init(channels: Int, shared: Bool = false, initialSlope: Float = 0.25) {
        weight = parameter(Tensor.full([shared ? 1 : channels], initialSlope))
    }

    public override func forward(_ x: Tensor) -> Tensor {
        let slope = weight.count == 1 || x.rank < 2 ? weight : weight.reshaped(to: [1, weight.count] + [Int](repeating: 1, count: x.rank - 2))
        let positive = x.relu()
        return positive + slope * (x - positive)
    }
}

/// Swish `x * sigmoid(beta * x)` with a learnable `beta` (init 1), as in Ramachandran et al. 2017.
/// PyTorch name: `beta`.
public final class LearnableSwish: Module {
    public var beta: Tensor

    public init(initialBeta: Float = 1) { beta = parameter(Tensor.full([1], initialBeta)) }

    public override func forward(_ x: Tensor) -> Tensor { x * (x * beta).sigmoid() }
}

/// Maxout over `pieces` learned 1x1 projections: `y_c = max_k (W_k x + b_k)_c` (Goodfellow et al. 2013),
/// a channel-preserving drop-in. Adds `pieces * (C² + C)` parameters.
public final class Maxout: Module {
    public let projection: Conv2d
    public let pieces: Int

    public init(channels: Int, pieces: Int) {
        self.pieces = pieces
        projection = Conv2d(channels, channels * pieces, kernel: 1)
    }

    public override func forward(_ x: Tensor) -> Tensor {
        let c = x.shape[1]
        let z = projection(x)
        var y = z.sliced(axis: 1, 0..<c)
        for k in 1..<pieces { y = Tensor.maximum(y, z.sliced(axis: 1, (k * c)..<((k + 1) * c))) }
        return y
    }
}

/// Gated linear unit as a drop-in activation: `y = x * sigmoid(W x + b)` with a 1x1 gate
/// (Dauphin et al. 2017, gate computed from the same input). Adds `C² + C` parameters.
public final class GLU: Module {
    public let gate: Conv2d

    public init(channels: Int) { gate = Conv2d(channels, channels, kernel: 1) }

    public override func forward(_ x: Tensor) -> Tensor { x * gate(x).sigmoid() }
}
