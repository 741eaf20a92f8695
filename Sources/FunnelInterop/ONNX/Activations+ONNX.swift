import Foundation
import FunnelNN

// The pointwise and learnable activations (FunnelNN/Activations/Pointwise.swift, Maxout.swift,
// GLU.swift, BuiltIn.swift) from opset-17 operators.

extension Pointwise: ONNXExportable {
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        switch name {
        case "relu": return graph.relu(x)
        case "leaky_relu": return graph.leakyRelu(x, alpha: leakyReluSlope)
        case "elu": return graph.elu(x, alpha: eluAlpha)
        case "sigmoid": return graph.sigmoid(x)
        case "tanh": return graph.tanh(x)
        case "softplus": return graph.softplus(x)
        case "hard_swish": return graph.hardSwish(x)
        case "silu":  // x σ(x)
            return try graph.mul(x, graph.sigmoid(x))
        case "swish":  // x σ(βx)
            return try graph.mul(x, graph.sigmoid(graph.mul(x, swishBeta)))
        case "mish":  // x tanh(softplus(x))
            return try graph.mul(x, graph.tanh(graph.softplus(x)))
        case "gelu":  // x Φ(x) = x (1 + erf(x / √2)) / 2
            return try graph.mul(graph.mul(x, graph.add(graph.erf(graph.div(x, Float(2).squareRoot())), 1)), 0.5)
        case "gelu_tanh":  // x (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2
            let cube = try graph.mul(graph.mul(x, x), x)
            let inner = try graph.mul(graph.add(x, graph.mul(cube, 0.044715)), Float((2 / Double.pi).squareRoot()))
            return try graph.mul(graph.mul(x, graph.add(graph.tanh(inner), 1)), 0.5)
        default:
            throw graph.unsupported("pointwise activation '\(name)' has no ONNX lowering")
        }
    }

    // A `Pointwise` keeps its function, not the options it was built with: the few parameters are
    // read back from the function's values at points where its formula isolates them.

    /// leaky_relu `max(x, a x)`: f(-1) = -a.
    private var leakyReluSlope: Float { -value(at: -1) }

    /// elu `α (e^x - 1)` for x < 0: f(-100) = -α, e^-100 being below float's resolution of 1.
    private var eluAlpha: Float { -value(at: -100) }

    /// swish `x σ(βx)`: f(-1/2) = -σ(-β/2) / 2, so β = 2 ln(1/s - 1) with s = -2 f(-1/2) (σ(-β/2) stays a
    /// normal float for every β the registry accepts, 0...100).
    private var swishBeta: Float {
        let s = Double(-2 * value(at: -0.5))
        return Float(2 * Foundation.log(1 / s - 1))
    }

    private func value(at x: Float) -> Float {
        withoutGrad { forward(Tensor(shape: [1], scalars: [x])).item }
    }
}

extension PReLU: ONNXExportable {
    /// `max(0, x) + p min(0, x)` is ONNX's PRelu; a per-channel slope is viewed as `[C, 1, 1]` to broadcast.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        let slope = weight.count == 1 || x.rank < 2
            ? graph.weight(weight)
            : graph.weight(weight, shape: [weight.count] + [Int](repeating: 1, count: x.rank - 2))
        return try graph.prelu(x, slope: slope)
    }
}

extension LearnableSwish: ONNXExportable {
    /// `x σ(x β)`.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        try graph.mul(x, graph.sigmoid(graph.mul(x, graph.weight(beta))))
    }
}

extension Maxout: ONNXExportable {
    /// `max_k (W_k x + b_k)`: one 1x1 convolution to `k C` channels, split into its k pieces.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        guard let c = x.shape[1] else { throw graph.shapeMismatch("maxout of \(ONNXGraphBuilder.describe(x.shape))") }
        let projected = try graph.apply(projection, x)
        return try graph.max(graph.split(projected, axis: 1, sizes: [Int](repeating: c, count: pieces)))
    }
}

extension GLU: ONNXExportable {
    /// `x σ(W x + b)`.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        try graph.mul(x, graph.sigmoid(graph.apply(gate, x)))
    }
}
