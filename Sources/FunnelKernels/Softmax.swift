import CDNNL

/// Softmax and log-softmax along one axis on oneDNN (forward and backward).
package enum Softmax {
    package enum Kind: Hashable, Sendable { case softmax, logSoftmax
        var alg: dnnl_alg_kind_t { self == .softmax ? dnnl_softmax_accurate : dnnl_softmax_log }
    }

    private static func forwardPrimitive(_ k: Kind, _ l: Layout, _ axis: Int) -> Primitive {
        PrimitiveCache.shared.get("softmax_fwd", k, l, axis) {
            var d = dnnl_softmax_v2_desc_t()
            var m = l.md
            check(dnnl_softmax_v2_forward_desc_init(&d, dnnl_forward_training, k.alg, &m, &m, Int32(axis)), "softmax fwd \(l.dims) axis \(axis)")
            return Primitive(desc: &d, name: "softmax_fwd")
        }
    }

    package static func forward(_ k: Kind, _ l: Layout, axis: Int, src: UnsafePointer<Float>, dst: UnsafeMutablePointer<Float>) {
        forwardPrimitive(k, l, axis).execute([(DNNL_ARG_SRC, l.md, UnsafeMutableRawPointer(mutating: src)),
                                              (DNNL_ARG_DST, l.md, UnsafeMutableRawPointer(dst))])
    }

    /// Gradient from the forward output `dst` and `diffDst`.
    package static func backward(_ k: Kind, _ l: Layout, axis: Int, dst: UnsafePointer<Float>, diffDst: UnsafePointer<Float>,
                                 diffSrc: UnsafeMutablePointer<Float>) {
        let fwd = forwardPrimitive(k, l, axis)
        let p = PrimitiveCache.shared.get("softmax_bwd", k, l, axis) {
            var d = dnnl_softmax_v2_desc_t()
            var m = l.md
            check(dnnl_softmax_v2_backward_desc_init(&d, k.alg, &m, &m, &m, Int32(axis)), "softmax bwd \(l.dims)")
            return Primitive(desc: &d, hint: fwd, name: "softmax_bwd")
        }
        p.execute([(DNNL_ARG_DST, l.md, UnsafeMutableRawPointer(mutating: dst)),
                   (DNNL_ARG_DIFF_DST, l.md, UnsafeMutableRawPointer(mutating: diffDst)),
                   (DNNL_ARG_DIFF_SRC, l.md, UnsafeMutableRawPointer(diffSrc))])
    }
}
