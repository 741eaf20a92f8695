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

extension Module {
    /// Whether this is the parameter-free `max(x, 0)`, which ops before it can fuse into their pass.
    public var isPlainReLU: Bool { (self as? Pointwise)?.name == "relu" }

    /// `self(x + residual)`, the end of a residual block, in one pass when this is a plain ReLU.
    public func callAsFunction(_ x: Tensor, adding residual: Tensor) -> Tensor {
        isPlainReLU ? Tensor.addReLU(x, residual) : self(x + residual)
    }
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
