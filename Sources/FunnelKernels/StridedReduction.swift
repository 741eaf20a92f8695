/// Sum / max / min over any axes of a strided tensor, walking the source in memory order.
///
/// oneDNN 2.6 reduces channels-last tensors over spatial axes with its reference implementation
/// (~100x slower than memory speed), which made global average pooling and broadcast gradients the
/// bottleneck of DY-ReLU and squeeze-excitation; this loop runs at memory speed instead.
enum StridedReduction {
    enum Op { case sum, max, min }

    /// `dst` has `src`'s rank with reduced dims of size 1 (its strides for those dims are ignored).
    static func run(_ op: Op, src: Layout, _ ps: UnsafePointer<Float>, dst: Layout, _ pd: UnsafeMutablePointer<Float>) {
        let rank = src.dims.count
        // Physical order: dims sorted by source stride, largest first; size-1 dims dropped.
        let order = (0..<rank).filter { src.dims[$0] > 1 }.sorted { src.strides[$0] > src.strides[$1] }
        let dstCount = dst.dims.reduce(1, *)
        let initial: Float = op == .sum ? 0 : (op == .max ? -.infinity : .infinity)
        // The destination is written densely in its own layout: zero strides on reduced dims.
        let dstStride = (0..<rank).map { dst.dims[$0] == 1 ? 0 : dst.strides[$0] }
        pd.update(repeating: initial, count: dstCount)
        guard let innermost = order.last else {
            pd[0] = ps[0]
            return
        }
        let n = src.dims[innermost], sIn = src.strides[innermost], dIn = dstStride[innermost]
        let outer = Array(order.dropLast())
        // Offsets inside the tensor cannot overflow (its size is an Int): wrapping arithmetic keeps
        // the inner loops free of overflow checks so they vectorise.
        // Split the outermost non-reduced dim across threads (disjoint destination rows).
        let splitDim = outer.first { dstStride[$0] != 0 }
        func walk(_ level: Int, _ so: Int, _ dO: Int, _ range: Range<Int>?) {
            if level == outer.count {
                let s = ps + so, d = pd + dO
                switch (op, dIn == 0) {
                case (.sum, true):
                    var acc: Float = 0
                    if sIn == 1 { for i in 0..<n { acc += s[i] } } else { for i in 0..<n { acc += s[i &* sIn] } }
                    d[0] += acc
                case (.sum, false):
                    if sIn == 1 && dIn == 1 { for i in 0..<n { d[i] += s[i] } } else { for i in 0..<n { d[i &* dIn] += s[i &* sIn] } }
                case (.max, _):
                    for i in 0..<n { d[i &* dIn] = Swift.max(d[i &* dIn], s[i &* sIn]) }
                case (.min, _):
                    for i in 0..<n { d[i &* dIn] = Swift.min(d[i &* dIn], s[i &* sIn]) }
                }
                return
            }
            let dim = outer[level]
            let r = (dim == splitDim ? range : nil) ?? 0..<src.dims[dim]
            for i in r { walk(level + 1, so &+ i &* src.strides[dim], dO &+ i &* dstStride[dim], range) }
        }
        if let splitDim {
            parallelChunks(src.dims[splitDim], minimumPerThread: 1) { range in walk(0, 0, 0, range) }
        } else {
            walk(0, 0, 0, nil)
        }
    }
}
