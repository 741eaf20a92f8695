/// Reductions (sum, mean, max, min) over the axes where `dst`'s dim is 1 and `src`'s is not.
/// `dst` must be dense (its layout covers `dst.dims.product` floats).
package enum Reduction {
    package enum Op: String, Hashable, Sendable { case sum, mean, max, min }

    package static func run(_ op: Op, src: Layout, _ ps: UnsafePointer<Float>, dst: Layout, _ pd: UnsafeMutablePointer<Float>) {
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
