import FunnelKernels

// Broadcasting arithmetic. Each op's gradient sits right below its forward; `sumTo` undoes broadcasting.

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let (sa, sb) = (a.shape, b.shape)
        return broadcastingBinary(.add, a, b, name: "add").recording("add", [a, b]) { g in [g.sumTo(sa), g.sumTo(sb)] }
    }

    /// `max(a + b, 0)` for tensors of one shape, in one pass (a residual addition and the ReLU
    /// after it): the sum before the ReLU is neither written nor kept. Both inputs get the ReLU's
    /// gradient, `g` where the output is positive.
    public static func addReLU(_ a: Tensor, _ b: Tensor) -> Tensor {
        require(a.shape == b.shape, "[add_relu] shapes \(a.shape) and \(b.shape) differ")
        let out = Tensor(uninitialized: a.shape)
        Binary.run(.add, a: a.layout, a.buffer.pointer, b: b.layout, b.buffer.pointer, dst: out.layout, out.buffer.pointer, relu: true)
        let saved = out.detached()
        return out.recording("add_relu", [a, b]) { g in
            let dx = Tensor(uninitialized: g.shape)
            Eltwise.backward(.relu(slope: 0), count: g.count, saved: saved.buffer.pointer, diffDst: g.buffer.pointer, diffSrc: dx.buffer.pointer)
            return [dx, dx]
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let (sa, sb) = (a.shape, b.shape)
        return broadcastingBinary(.sub, a, b, name: "sub").recording("sub", [a, b]) { g in [g.sumTo(sa), (-g).sumTo(sb)] }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        broadcastingBinary(.mul, a, b, name: "mul").recording("mul", [a, b]) { g in
            [a.requiresGrad ? (g * b).sumTo(a.shape) : nil, b.requiresGrad ? (g * a).sumTo(b.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        // Needs b and the quotient, not a.
        let out = broadcastingBinary(.div, a, b, name: "div"), quotient = out.detached()
        let (sa, aNeedsGrad) = (a.shape, a.requiresGrad)
        return out.recording("div", [a, b]) { g in
            [aNeedsGrad ? (g / b).sumTo(sa) : nil, b.requiresGrad ? (-(g * quotient) / b).sumTo(b.shape) : nil]
        }
    }

    /// Elementwise maximum. At ties the gradient is split evenly, as PyTorch does.
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        broadcastingBinary(.max, a, b, name: "maximum").recording("maximum", [a, b]) { g in
            let toA = tieSplitMask(a, b)
            return [a.requiresGrad ? (g * toA).sumTo(a.shape) : nil, b.requiresGrad ? (g * (1 - toA)).sumTo(b.shape) : nil]
        }
    }

    /// Elementwise minimum. At ties the gradient is split evenly, as PyTorch does.
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        broadcastingBinary(.min, a, b, name: "minimum").recording("minimum", [a, b]) { g in
            let toA = tieSplitMask(b, a)
            return [a.requiresGrad ? (g * toA).sumTo(a.shape) : nil, b.requiresGrad ? (g * (1 - toA)).sumTo(b.shape) : nil]
        }
    }

    /// 1 where `a > b`, 0.5 where equal, 0 elsewhere.
    private static func tieSplitMask(_ a: Tensor, _ b: Tensor) -> Tensor {
        let gt = broadcastingBinary(.greater, a, b, name: "compare")
        let eq = broadcastingBinary(.equal, a, b, name: "compare")
        return gt + eq * 0.5
    }

    /// 1 where `a > b`, else 0 (no gradient).
    public static func greater(_ a: Tensor, _ b: Tensor) -> Tensor { broadcastingBinary(.greater, a, b, name: "greater") }
    /// 1 where `a >= b`, else 0 (no gradient).
    public static func greaterEqual(_ a: Tensor, _ b: Tensor) -> Tensor { broadcastingBinary(.greaterEqual, a, b, name: "greaterEqual") }
    /// 1 where `a == b`, else 0 (no gradient).
    public static func equal(_ a: Tensor, _ b: Tensor) -> Tensor { broadcastingBinary(.equal, a, b, name: "equal") }

    public static prefix func - (a: Tensor) -> Tensor { a.affine(scale: -1, shift: 0) }

    /// `scale * self + shift` in one pass.
    public func affine(scale: Float, shift: Float) -> Tensor {
        eltwise(.linear(scale: scale, shift: shift), name: "affine")
    }

    public static func + (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func + (s: Float, a: Tensor) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: -s) }
    public static func - (s: Float, a: Tensor) -> Tensor { a.affine(scale: -1, shift: s) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.affine(scale: s, shift: 0) }
    public static func * (s: Float, a: Tensor) -> Tensor { a.affine(scale: s, shift: 0) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1 / s, shift: 0) }
    public static func / (s: Float, a: Tensor) -> Tensor { Tensor.full([], s) / a }

    /// `self ^ exponent` elementwise.
    public func pow(_ exponent: Float) -> Tensor { eltwise(.pow(scale: 1, exponent: exponent), name: "pow") }

    /// `self ^ exponent` with a tensor exponent (broadcasting): `exp(exponent * log(self))`, for positive bases.
    public func pow(_ exponent: Tensor) -> Tensor { (exponent * log()).exp() }
}
