import FunnelKernels
import FunnelTensor

/// 2-D convolution `y = conv(x, weight) + bias` on `[N, C, H, W]` (stored channels-last).
/// Weight `[out, in/groups, kh, kw]` as PyTorch; depthwise when `groups == in == out`.
public final class Conv2d: Module {
    public var weight: Tensor
    public var bias: Tensor?
    public let stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int

    /// - Parameters:
    ///   - kernel: (kh, kw); rectangular kernels such as (1, 3) are fine.
    ///   - initializer: weight init; PyTorch's default unless a model asks for another.
    public init(_ inChannels: Int, _ outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
                initializer: Initializer = .pytorchDefault) {
        require(inChannels % groups == 0 && outChannels % groups == 0,
                     "[Conv2d] \(inChannels) -> \(outChannels) channels not divisible by \(groups) groups")
        let shape = [outChannels, inChannels / groups, kernel.0, kernel.1]
        weight = initializer.make(shape)
        self.bias = bias ? defaultBias(outChannels, fanIn: fans(shape).0) : nil
        self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups
    }

    /// Square kernel with "same"-style padding `k / 2` by default.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int? = nil,
                            groups: Int = 1, bias: Bool = true, initializer: Initializer = .pytorchDefault) {
        let p = padding ?? kernel / 2
        self.init(inChannels, outChannels, kernel: (kernel, kernel), stride: (stride, stride), padding: (p, p),
                  groups: groups, bias: bias, initializer: initializer)
    }

    public override func forward(_ x: Tensor) -> Tensor {
        x.conv2d(weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}
