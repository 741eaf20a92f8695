import Foundation
import FunnelKernels

// Pointwise functions. Most run as one oneDNN eltwise pass forward and one backward.

extension Tensor {
    /// Applies a oneDNN eltwise function; its backward is oneDNN's eltwise backward, from the output
    /// where oneDNN can (ReLU, tanh, sigmoid, ...) so that only one of input and output is kept.
    func eltwise(_ kind: EltwiseKind, name: String) -> Tensor {
        let out = Tensor(uninitialized: shape)
        if count > 0 { Eltwise.forward(kind, count: count, src: buffer.pointer, dst: out.buffer.pointer) }
        if case .linear(let scale, _) = kind {
            return out.recording(name, [self]) { g in [g.affine(scale: scale, shift: 0)] }
        }
        let saved = kind.backwardUsesOutput ? out.detached() : self
        return out.recording(name, [self]) { g in
            let dx = Tensor(uninitialized: g.shape)
            Eltwise.backward(kind, count: g.count, saved: saved.buffer.pointer, diffDst: g.buffer.pointer, diffSrc: dx.buffer.pointer)
            return [dx]
        }
    }

    /// `max(x, 0)`. The gradient at 0 is 0, as in PyTorch.
    public func relu() -> Tensor { eltwise(.relu(slope: 0), name: "relu") }
    /// `max(x, 0) + slope * min(x, 0)`.
    public func leakyRelu(slope: Float = 0.01) -> Tensor { eltwise(.relu(slope: slope), name: "leaky_relu") }
    /// `x` for x > 0, `alpha * (e^x - 1)` otherwise.
    public func elu(alpha: Float = 1) -> Tensor { eltwise(.elu(alpha: alpha), name: "elu") }
    public func tanh() -> Tensor { eltwise(.tanh, name: "tanh") }
    /// `1 / (1 + e^-x)`.
    public func sigmoid() -> Tensor { eltwise(.logistic, name: "sigmoid") }
    public func exp() -> Tensor { eltwise(.exp, name: "exp") }
    /// Natural logarithm.
    public func log() -> Tensor { eltwise(.log, name: "log") }
    public func sqrt() -> Tensor { eltwise(.sqrt, name: "sqrt") }
    public func abs() -> Tensor { eltwise(.abs, name: "abs") }
    public func squared() -> Tensor { eltwise(.square, name: "square") }
    /// `log(1 + e^x)`.
    public func softplus() -> Tensor { eltwise(.softplus, name: "softplus") }
    /// `x * Φ(x)` with the exact normal CDF.
    public func gelu() -> Tensor { eltwise(.gelu, name: "gelu") }
    /// GELU's tanh approximation `0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
    public func geluTanh() -> Tensor { eltwise(.geluTanh, name: "gelu_tanh") }
    /// `x * sigmoid(beta * x)` with a fixed beta; beta = 1 is SiLU.
    public func swish(beta: Float = 1) -> Tensor { eltwise(.swish(beta: beta), name: "swish") }
    /// `x * tanh(softplus(x))`.
    public func mish() -> Tensor { eltwise(.mish, name: "mish") }
    /// `x * relu6(x + 3) / 6`.
    public func hardswish() -> Tensor { eltwise(.hardswish, name: "hardswish") }
    /// Limits values to `[lower, upper]`; the gradient is 1 inside and 0 outside.
    public func clamped(_ lower: Float, _ upper: Float) -> Tensor { eltwise(.clip(lower: lower, upper: upper), name: "clamp") }

    /// The Gauss error function (no oneDNN primitive: a direct loop).
    public func erf() -> Tensor {
        let out = Tensor(uninitialized: shape)
        let src = buffer.pointer, dst = out.buffer.pointer
        for i in 0..<count { dst[i] = Foundation.erf(src[i]) }
        return out.recording("erf", [self]) { g in
            [g * ((self.squared() * -1).exp() * Float(2 / Double.pi.squareRoot()))]
        }
    }
}

extension Tensor {
    /// -1, 0 or 1 by the sign of each element (no gradient: it is zero almost everywhere).
    public func sign() -> Tensor {
        let out = Tensor(uninitialized: shape)
        let src = buffer.pointer, dst = out.buffer.pointer
        for i in 0..<count { dst[i] = src[i] > 0 ? 1 : (src[i] < 0 ? -1 : 0) }
        return out
    }
}
