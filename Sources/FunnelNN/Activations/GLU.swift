import FunnelTensor

/// Gated linear unit as a drop-in activation: `y = x * sigmoid(W x + b)` with a 1x1 gate
/// (Dauphin et al. 2017, gate computed from the same input). Adds `C² + C` parameters.
public final class GLU: Module {
    public let gate: Conv2d

    public init(channels: Int) { gate = Conv2d(channels, channels, kernel: 1) }

    public override func forward(_ x: Tensor) -> Tensor { x * gate(x).sigmoid() }
}
