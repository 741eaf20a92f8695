import CDNNL

/// Pointwise functions that oneDNN computes (forward and backward) in one pass.
package enum EltwiseKind: Hashable, Sendable {
    case relu(slope: Float)          // max(x, 0) + slope * min(x, 0)
    case tanh, elu(alpha: Float), abs, sqrt, exp, log, logistic, square
    case softplus                    // log(1 + e^x)
    case gelu, geluTanh, swish(beta: Float), mish, hardswish
    case linear(scale: Float, shift: Float)
    case clip(lower: Float, upper: Float)
    case pow(scale: Float, exponent: Float)  // scale * x^exponent

    /// Whether the gradient is computed from the output (oneDNN's `*_use_dst_for_bwd` algorithms),
    /// so that the input need not be kept for backward. For ReLU that input is batch norm's output,
    /// which otherwise stays in memory for nothing.
    package var backwardUsesOutput: Bool {
        switch self {
        case .relu(let slope): slope >= 0
        case .elu(let alpha): alpha >= 0
        case .tanh, .sqrt, .exp, .logistic: true
        default: false
        }
    }

    var alg: dnnl_alg_kind_t {
        switch self {
        case .relu: backwardUsesOutput ? dnnl_eltwise_relu_use_dst_for_bwd : dnnl_eltwise_relu
        case .tanh: dnnl_eltwise_tanh_use_dst_for_bwd
        case .elu: backwardUsesOutput ? dnnl_eltwise_elu_use_dst_for_bwd : dnnl_eltwise_elu
        case .abs: dnnl_eltwise_abs
        case .sqrt: dnnl_eltwise_sqrt_use_dst_for_bwd
        case .exp: dnnl_eltwise_exp_use_dst_for_bwd
        case .log: dnnl_eltwise_log
        case .logistic: dnnl_eltwise_logistic_use_dst_for_bwd
        case .square: dnnl_eltwise_square
        case .softplus: dnnl_eltwise_soft_relu
        case .gelu: dnnl_eltwise_gelu_erf
        case .geluTanh: dnnl_eltwise_gelu_tanh
        case .swish: dnnl_eltwise_swish
        case .mish: dnnl_eltwise_mish
        case .hardswish: dnnl_eltwise_hardswish
        case .linear: dnnl_eltwise_linear
        case .clip: dnnl_eltwise_clip
        case .pow: dnnl_eltwise_pow
        }
    }

    var alphaBeta: (Float, Float) {
        switch self {
        case .relu(let s): (s, 0)
        case .elu(let a): (a, 0)
        case .swish(let b): (b, 0)
        case .linear(let a, let b): (a, b)
        case .clip(let lo, let hi): (lo, hi)
        case .pow(let a, let b): (a, b)
        case .softplus: (1, 0)  // oneDNN's soft_relu alpha is the softplus beta since v2.6
        default: (0, 0)
        }
    }
}

/// Pointwise forward and backward on oneDNN over a flat buffer.
package enum Eltwise {
    private static func flat(_ n: Int) -> Layout { .rowMajor([n]) }

    private static func forwardPrimitive(_ k: EltwiseKind, _ n: Int) -> Primitive {
        PrimitiveCache.shared.get("elt_fwd", k, n) {
            var d = dnnl_eltwise_desc_t()
            var md = flat(n).md
            let (a, b) = k.alphaBeta
            check(dnnl_eltwise_forward_desc_init(&d, dnnl_forward_training, k.alg, &md, a, b), "eltwise fwd \(k)")
            return Primitive(desc: &d, name: "eltwise_fwd")
        }
    }

    /// Up to this many elements a ReLU runs as a plain loop on the calling thread: oneDNN's fixed
    /// cost a call (tens of microseconds in a training step) outweighs the work of DY-ReLU's
    /// hyper-function ReLU on `[N, C/4]` many times over.
    package static let smallReLUCount = 1 << 15

    /// `dst[i] = f(src[i])`; `dst` may equal `src`.
    package static func forward(_ k: EltwiseKind, count n: Int, src: UnsafePointer<Float>, dst: UnsafeMutablePointer<Float>) {
        if case .relu(let slope) = k, n <= smallReLUCount {
            for i in 0..<n { dst[i] = src[i] > 0 ? src[i] : slope * src[i] }
            return
        }
        let md = flat(n).md
        forwardPrimitive(k, n).execute([(DNNL_ARG_SRC, md, UnsafeMutableRawPointer(mutating: src)),
                                        (DNNL_ARG_DST, md, UnsafeMutableRawPointer(dst))])
    }

    /// `diffSrc[i] = f'(src[i]) * diffDst[i]`; `saved` is the forward's output where
    /// `k.backwardUsesOutput`, its input otherwise.
    package static func backward(_ k: EltwiseKind, count n: Int, saved: UnsafePointer<Float>, diffDst: UnsafePointer<Float>,
                                 diffSrc: UnsafeMutablePointer<Float>) {
        if case .relu(let slope) = k, n <= smallReLUCount {
            // Whether the output or the input is saved, its sign is the input's (slope ≥ 0 when
            // it is the output); at 0 the gradient is the slope's, as in oneDNN and PyTorch.
            for i in 0..<n { diffSrc[i] = saved[i] > 0 ? diffDst[i] : slope * diffDst[i] }
            return
        }
        let fwd = forwardPrimitive(k, n)
        let p = PrimitiveCache.shared.get("elt_bwd", k, n) {
            var d = dnnl_eltwise_desc_t()
            var md = flat(n).md
            let (a, b) = k.alphaBeta
            check(dnnl_eltwise_backward_desc_init(&d, k.alg, &md, &md, a, b), "eltwise bwd \(k)")
            return Primitive(desc: &d, hint: fwd, name: "eltwise_bwd")
        }
        let md = flat(n).md
        p.execute([(k.backwardUsesOutput ? DNNL_ARG_DST : DNNL_ARG_SRC, md, UnsafeMutableRawPointer(mutating: saved)),
                   (DNNL_ARG_DIFF_DST, md, UnsafeMutableRawPointer(mutating: diffDst)),
                   (DNNL_ARG_DIFF_SRC, md, UnsafeMutableRawPointer(diffSrc))])
    }
}
