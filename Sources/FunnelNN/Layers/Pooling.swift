import FunnelTensor

/// Max pooling (`nn.MaxPool2d`); stride defaults to the kernel.
public final class MaxPool2d: Module {
    public let kernel: (Int, Int), stride: (Int, Int)?, padding: (Int, Int)
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernel = (kernel, kernel); self.stride = stride.map { ($0, $0) }; self.padding = (padding, padding)
    }
    public override func forward(_ x: Tensor) -> Tensor { x.maxPool2d(kernel: kernel, stride: stride, padding: padding) }
}

/// Average pooling (`nn.AvgPool2d`, padding counted as zeros unless `countIncludePad` is false).
public final class AvgPool2d: Module {
    public let kernel: (Int, Int), stride: (Int, Int)?, padding: (Int, Int), countIncludePad: Bool
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) {
        self.kernel = (kernel, kernel); self.stride = stride.map { ($0, $0) }; self.padding = (padding, padding)
        self.countIncludePad = countIncludePad
    }
    public override func forward(_ x: Tensor) -> Tensor {
        x.avgPool2d(kernel: kernel, stride: stride, padding: padding, countIncludePad: countIncludePad)
    }
}

/// `[N, C, H, W] -> [N, C]` by averaging positions (`adaptive_avg_pool2d(x, 1).flatten(1)`).
public final class GlobalAvgPool: Module {
    public override init() {}
    public override func forward(_ x: Tensor) -> Tensor { x.globalAvgPool() }
}

/// `[N, ...] -> [N, prod(...)]` in PyTorch's (NCHW) element order.
public final class Flatten: Module {
    public override init() {}
    public override func forward(_ x: Tensor) -> Tensor { x.flattened(from: 1) }
}

/// Inverted dropout in training, identity in inference.
public final class Dropout: Module {
    public let p: Float
    public init(p: Float = 0.5) { self.p = p }
    public override func forward(_ x: Tensor) -> Tensor {
        guard isTraining, p > 0 else { return x }
        return DefaultRandom.with { x.dropout(p: p, generator: &$0) }
    }
}
