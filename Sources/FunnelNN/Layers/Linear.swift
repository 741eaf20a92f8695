import FunnelTensor

/// Fully connected `y = x W^T + b`, weight `[out, in]` as PyTorch, with PyTorch's default init.
public final class Linear: Module {
    public var weight: Tensor
    public var bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, initializer: Initializer = .pytorchDefault) {
        weight = initializer.make([outFeatures, inFeatures])
        self.bias = bias ? defaultBias(outFeatures, fanIn: inFeatures) : nil
    }

    public override func forward(_ x: Tensor) -> Tensor { x.linear(weight, bias: bias) }
}
