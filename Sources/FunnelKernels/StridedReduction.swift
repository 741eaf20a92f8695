/// Sum / max / min over any axes of a strided tensor, walking the source in memory order.
///
/// oneDNN 2.6 reduces channels-last tensors over spatial axes with its reference implementation
/// (~100x slower than memory speed), which made global average pooling and broadcast gradients the
/// bottleneck of DY-ReLU and squeeze-excitation; this loop runs at memory speed instead.
enum StridedReduction {
    enum Op { case sum, max, min }

    /// `dst` has `src`'s rank with reduced dims of size 1 (its strides for those dims are ignored).
    static func run(_ op: Op, src: Layout, _ ps: UnsafePointer<Float>, dst: Layout, _ pd: UnsafeMutablePointer<Float>) {
        let dstCount = dst.dims.reduce(1, *)
        let initial: Float = op == .sum ? 0 : (op == .max ? -.infinity : .infinity)
        pd.update(repeating: initial, count: dstCount)
        // The source in memory order, its strides as `dst`; the destination's as `b`, 0 on the
        // reduced dims (the destination is written densely in its own layout).
        var axes = StridedLoops(a: src, b: dst, dst: src).dims
        guard let inner = axes.popLast() else {
            pd[0] = ps[0]
            return
        }
        // A reduced axis right outside the innermost one is looped inside the leaf, so a leaf call
        // covers a whole reduction (per-sample spatial sums: one call per sample, not per pixel).
        let rows = axes.last?.b == 0 ? axes.removeLast() : nil
        let outer = axes
        let m = rows?.count ?? 1, sRow = rows?.dst ?? 0
        let n = inner.count, sIn = inner.dst, dIn = inner.b

        // Offsets inside the tensor cannot overflow (its size is an Int): wrapping arithmetic keeps
        // the inner loops free of overflow checks so they vectorise.
        func leaf(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>) {
            if op == .sum && sIn == 1 && dIn == 1 && n % 16 == 0 {
                // Dense channels summed over positions: a 16-channel block's sum stays in a
                // register across all rows (summing into `d` chained every row through memory).
                for block in stride(from: 0, to: n, by: 16) {
                    var acc = UnsafeRawPointer(d + block).loadUnaligned(as: SIMD16<Float>.self)
                    for row in 0..<m { acc += UnsafeRawPointer(s + (row &* sRow &+ block)).loadUnaligned(as: SIMD16<Float>.self) }
                    UnsafeMutableRawPointer(d + block).storeBytes(of: acc, as: SIMD16<Float>.self)
                }
                return
            }
            for row in 0..<m {
                let s = s + row &* sRow
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
            }
        }
        // Split the outermost kept axis across threads (disjoint destination rows).
        let splitAxis = outer.firstIndex { $0.b != 0 }
        func walk(_ level: Int, _ so: Int, _ dO: Int, _ range: Range<Int>?) {
            if level == outer.count {
                leaf(ps + so, pd + dO)
                return
            }
            let axis = outer[level]
            let r = (level == splitAxis ? range : nil) ?? 0..<axis.count
            for i in r { walk(level + 1, so &+ i &* axis.dst, dO &+ i &* axis.b, range) }
        }
        if let splitAxis {
            parallelChunks(outer[splitAxis].count, minimumPerThread: 1) { range in walk(0, 0, 0, range) }
        } else {
            walk(0, 0, 0, nil)
        }
    }
}
