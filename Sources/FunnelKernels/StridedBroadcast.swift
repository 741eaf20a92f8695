/// Copies a tensor into a larger one along its size-1 dims (broadcasting), optionally scaled, in one
/// pass over the destination in memory order. The backward of every reduction is one of these.
package enum StridedBroadcast {
    /// `dst = scale * broadcast(src)`. `src` has `dst`'s rank; its size-1 dims are repeated.
    package static func run(src: Layout, _ ps: UnsafePointer<Float>, dst: Layout, _ pd: UnsafeMutablePointer<Float>, scale: Float = 1) {
        let rank = dst.dims.count
        require(src.dims.count == rank, "[broadcast] rank \(src.dims.count) into \(rank)")
        let srcStride = (0..<rank).map { src.dims[$0] == 1 ? 0 : src.strides[$0] }
        let order = (0..<rank).filter { dst.dims[$0] > 1 }.sorted { dst.strides[$0] > dst.strides[$1] }
        guard let innermost = order.last else { pd[0] = scale * ps[0]; return }
        let n = dst.dims[innermost], dIn = dst.strides[innermost], sIn = srcStride[innermost]
        let outer = Array(order.dropLast())
        // Offsets inside the tensor cannot overflow: wrapping arithmetic lets the loops vectorise.
        func walk(_ level: Int, _ so: Int, _ dO: Int, _ range: Range<Int>?) {
            if level == outer.count {
                let s = ps + so, d = pd + dO
                if sIn == 0 { let v = scale * s[0]; for i in 0..<n { d[i &* dIn] = v } }
                else if dIn == 1 && sIn == 1 { for i in 0..<n { d[i] = scale * s[i] } }
                else { for i in 0..<n { d[i &* dIn] = scale * s[i &* sIn] } }
                return
            }
            let dim = outer[level]
            let r = (level == 0 ? range : nil) ?? 0..<dst.dims[dim]
            for i in r { walk(level + 1, so &+ i &* srcStride[dim], dO &+ i &* dst.strides[dim], range) }
        }
        if let first = outer.first {
            parallelChunks(dst.dims[first], minimumPerThread: 1) { range in walk(0, 0, 0, range) }
        } else {
            walk(0, 0, 0, nil)
        }
    }
}
