import CDNNL

/// Broadcasting binary ops on oneDNN.
///
/// oneDNN broadcasts only the second operand: `b`'s dims are each equal to `a`'s or 1.
package enum Binary {
    package enum Op: String, Hashable, Sendable {
        case add, sub, mul, div, max, min
        /// Comparisons write 1 where true and 0 where false.
        case greaterEqual, greater, equal
        var alg: dnnl_alg_kind_t {
            switch self {
            case .add: dnnl_binary_add
            case .sub: dnnl_binary_sub
            case .mul: dnnl_binary_mul
            case .div: dnnl_binary_div
            case .max: dnnl_binary_max
            case .min: dnnl_binary_min
            case .greaterEqual: dnnl_binary_ge
            case .greater: dnnl_binary_gt
            case .equal: dnnl_binary_eq
            }
        }
    }

    /// `dst = a op b`, with `b` broadcast to `a`'s dims. `dst` has `a`'s layout. With `relu`,
    /// `dst = max(a op b, 0)` in the same pass (a residual addition and the ReLU after it); `b`
    /// must then have `a`'s dims.
    package static func run(_ op: Op, a: Layout, _ pa: UnsafePointer<Float>, b: Layout, _ pb: UnsafePointer<Float>,
                            dst: Layout, _ pd: UnsafeMutablePointer<Float>, relu: Bool = false) {
        guard StridedBinary.oneDNNIsFast(a: a, b: b) else {
            require(!relu, "[binary] a fused ReLU needs operands of one shape, not \(a.dims) and \(b.dims)")
            StridedBinary.run(op, a: a, pa, b: b, pb, dst: dst, pd)
            return
        }
        let p = PrimitiveCache.shared.get("binary", op, a, b, dst, relu) {
            var d = dnnl_binary_desc_t()
            var ma = a.md, mb = b.md, md = dst.md
            check(dnnl_binary_desc_init(&d, op.alg, &ma, &mb, &md), "binary \(op) \(a.dims) \(b.dims)")
            guard relu else { return Primitive(desc: &d, name: "binary") }
            return withPostOps({ check(dnnl_post_ops_append_eltwise($0, 1, dnnl_eltwise_relu, 0, 0), "post_ops_append_eltwise") }) {
                Primitive(desc: &d, attr: $0, name: "binary_relu")
            }
        }
        p.execute([(DNNL_ARG_SRC_0, a.md, UnsafeMutableRawPointer(mutating: pa)),
                   (DNNL_ARG_SRC_1, b.md, UnsafeMutableRawPointer(mutating: pb)),
                   (DNNL_ARG_DST, dst.md, UnsafeMutableRawPointer(pd))])
    }
}
