import Foundation
import FunnelTensor

/// Weight initialisers with PyTorch's formulas. Fans follow `torch.nn.init`: for a weight
/// `[O, I, kh, kw]`, fan_in = I*kh*kw and fan_out = O*kh*kw.
public enum Initializer {
    /// PyTorch's default for `nn.Linear` and `nn.Conv2d`: kaiming_uniform(a=√5), i.e. U(-1/√fan_in, 1/√fan_in).
    case pytorchDefault
    /// Kaiming normal, fan_out mode, ReLU gain (torchvision's ResNet conv init): N(0, 2/fan_out).
    case kaimingNormalFanOut
    /// Normal with a fixed standard deviation.
    case normal(std: Float)
    /// All weights equal.
    case constant(Float)

    /// A fresh trainable weight of `shape`.
    public func make(_ shape: [Int], generator: inout RandomGenerator) -> Tensor {
        let (fanIn, fanOut) = fans(shape)
        let t: Tensor
        switch self {
        case .pytorchDefault:
            let bound = 1 / Float(fanIn).squareRoot()
            t = Tensor.uniform(shape, low: -bound, high: bound, generator: &generator)
        case .kaimingNormalFanOut:
            t = Tensor.normal(shape, std: (2 / Float(fanOut)).squareRoot(), generator: &generator)
        case .normal(let std):
            t = Tensor.normal(shape, std: std, generator: &generator)
        case .constant(let v):
            t = Tensor.full(shape, v)
        }
        t.requiresGrad = true
        return t
    }

    /// Draws from the process's default generator (seed it with `DefaultRandom.seed`).
    public func make(_ shape: [Int]) -> Tensor { DefaultRandom.with { make(shape, generator: &$0) } }
}

/// (fan_in, fan_out) of a weight shape as `torch.nn.init._calculate_fan_in_and_fan_out`.
public func fans(_ shape: [Int]) -> (Int, Int) {
    guard shape.count >= 2 else { return (shape.first ?? 1, shape.first ?? 1) }
    let receptive = shape.dropFirst(2).reduce(1, *)
    return (shape[1] * receptive, shape[0] * receptive)
}

/// A trainable tensor with given values (biases, BN affine).
public func parameter(_ t: Tensor) -> Tensor { t.requiresGrad = true; return t }

/// PyTorch's default bias: U(-1/√fan_in, 1/√fan_in).
public func defaultBias(_ count: Int, fanIn: Int) -> Tensor {
    let bound = 1 / Float(fanIn).squareRoot()
    return parameter(Tensor.uniform([count], low: -bound, high: bound))
}
