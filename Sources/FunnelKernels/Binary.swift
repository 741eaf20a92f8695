import CDNNL

/// Broadcasting binary ops and reductions on oneDNN.
///
/// oneDNN broadcasts only the second operand: `b`'s dims are each equal to `a`'s or 1.
public enum Binary {
    public enum Op: String, Hashable, Sendable {
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

    /// `dst = a op b`, with `b` broadcast to `a`'s dims. `dst` has `a`'s layout.
    public static func run(_ op: Op, a: Layout, _ pa: UnsafePointer<Float>, b: Layout, _ pb: UnsafePointer<Float>,
                           dst: Layout, _ pd: UnsafeMutablePointer<Float>) {
        let p = PrimitiveCache.shared.get("binary", op, a, b, dst) {
            var d = dnnl_binary_desc_t()
            var ma = a.md, mb = b.md, md = dst.md
            check(dnnl_binary_desc_init(&d, op.alg, &ma, &mb, &md), "binary \(op) \(a.dims) \(b.dims)")
            return Primitive(desc: &d, name: "binary")
        }
        p.execute([(DNNL_ARG_SRC_0, a.md, UnsafeMutableRawPointer(mutating: pa)),
                   (DNNL_ARG_SRC_1, b.md, UnsafeMutableRawPointer(mutating: pb)),
                   (DNNL_ARG_DST, dst.md, UnsafeMutableRawPointer(pd))])
    }
}

/// Reductions (sum, mean, max, min) over the axes where `dst`'s dim is 1 and `src`'s is not.
/// `dst` must be dense (its layout covers `dst.dims.product` floats).
public enum Reduction {
    public enum Op: String, Hashable, Sendable { case sum, mean, max, min }

    public static func run(_ op: Op, src: Layout, _ ps: UnsafePointer<Float>, dst: Layout, _ pd: UnsafeMutablePointer<Float>) {
        if src.dims == dst.dims {
            // Nothing to reduce: a copy into the destination layout.
            copyStrided(src, ps, dst, pd)
            return
        }
        let count = src.dims.reduce(1, *), kept = dst.dims.reduce(1, *)
        switch op {
        case .sum: StridedReduction.run(.sum, src: src, ps, dst: dst, pd)
        case .max: StridedReduction.run(.max, src: src, ps, dst: dst, pd)
        case .min: StridedReduction.run(.min, src: src, ps, dst: dst, pd)
        case .mean:
            StridedReduction.run(.sum, src: src, ps, dst: dst, pd)
            let scale = Float(kept) / Float(count)
            for i in 0..<kept { pd[i] *= scale }
        }
    }
}

/// Copies between two layouts of the same dims (a permutation of memory order) with oneDNN's reorder.
public func copyStrided(_ from: Layout, _ src: UnsafePointer<Float>, _ to: Layout, _ dst: UnsafeMutablePointer<Float>) {
    require(from.dims == to.dims, "copyStrided: dims \(from.dims) vs \(to.dims)")
    if from.strides == to.strides {
        dst.update(from: src, count: from.dims.reduce(1, *))
        return
    }
    reorder(from.md, src, to.md, dst, key: from, to)
}
