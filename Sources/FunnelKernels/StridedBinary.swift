/// Broadcasting binary ops as one pass over the destination in memory order, for the broadcast
/// patterns oneDNN 2.6 leaves to its reference implementation.
///
/// oneDNN's fast binary kernels broadcast a scalar or one value per channel; any other pattern
/// (per sample `[N, 1, 1, 1]` as in layer norm, per sample and channel `[N, C, 1, 1]` as in
/// instance norm and squeeze-excitation) ran at ~0.1 GB/s and made FReLU with layer norm 50x
/// slower than with batch norm. This loop runs at memory speed for every pattern.
enum StridedBinary {
    /// Whether oneDNN has a fast kernel for `b` broadcast to `a`'s dims: same dims, a scalar, or
    /// one value per channel (dim 1).
    static func oneDNNIsFast(a: Layout, b: Layout) -> Bool {
        if a.dims == b.dims || b.dims.allSatisfy({ $0 == 1 }) { return true }
        return b.dims.indices.allSatisfy { $0 == 1 || b.dims[$0] == 1 }
    }

    /// `dst = a op b` with `b` broadcast along its size-1 dims; all three have `dst`'s rank.
    static func run(_ op: Binary.Op, a: Layout, _ pa: UnsafePointer<Float>, b: Layout, _ pb: UnsafePointer<Float>,
                    dst: Layout, _ pd: UnsafeMutablePointer<Float>) {
        switch op {
        case .add: run(Add.self, a, pa, b, pb, dst, pd)
        case .sub: run(Sub.self, a, pa, b, pb, dst, pd)
        case .mul: run(Mul.self, a, pa, b, pb, dst, pd)
        case .div: run(Div.self, a, pa, b, pb, dst, pd)
        case .max: run(Max.self, a, pa, b, pb, dst, pd)
        case .min: run(Min.self, a, pa, b, pb, dst, pd)
        case .greaterEqual: run(GreaterEqual.self, a, pa, b, pb, dst, pd)
        case .greater: run(Greater.self, a, pa, b, pb, dst, pd)
        case .equal: run(Equal.self, a, pa, b, pb, dst, pd)
        }
    }

    /// One loop nest for every op: specialised per `F`, so each inner loop vectorises.
    private static func run<F: Function>(_: F.Type, _ a: Layout, _ pa: UnsafePointer<Float>, _ b: Layout, _ pb: UnsafePointer<Float>,
                                         _ dst: Layout, _ pd: UnsafeMutablePointer<Float>) {
        let loops = StridedLoops(a: a, b: b, dst: dst)
        guard let inner = loops.dims.last else { pd[0] = F.apply(pa[0], pb[0]); return }
        let (n, aIn, bIn, dIn) = (inner.count, inner.a, inner.b, inner.dst)
        // The dim outside the innermost one is looped in the leaf, so that one call covers many
        // short rows (a `[N, C, 1, 1]` operand on a channels-last map: rows of C values, H * W of
        // them per sample). The outermost dim stays in the walk, for the threads.
        let twoInLeaf = loops.dims.count >= 3
        let outer = loops.dims.dropLast(twoInLeaf ? 2 : 1)
        let rows = twoInLeaf ? loops.dims[loops.dims.count - 2] : StridedLoops.Dim(count: 1, a: 0, b: 0, dst: 0)
        // Offsets inside the tensors cannot overflow: wrapping arithmetic lets the loops vectorise.
        func walk(_ level: Int, _ ao: Int, _ bo: Int, _ dO: Int, _ range: Range<Int>?) {
            if level == outer.count {
                for r in 0..<rows.count {
                    let x = pa + (ao &+ r &* rows.a), y = pb + (bo &+ r &* rows.b), d = pd + (dO &+ r &* rows.dst)
                    if aIn == 1 && dIn == 1 && bIn == 0 {
                        let v = y[0]
                        for i in 0..<n { d[i] = F.apply(x[i], v) }
                    } else if aIn == 1 && dIn == 1 && bIn == 1 && n % 16 == 0 {
                        // Rows of whole 16-channel blocks: a constant trip count that compiles to one
                        // vector op per block (a runtime count of 16 cost a remainder loop per row).
                        for block in stride(from: 0, to: n, by: 16) {
                            for i in block..<(block + 16) { d[i] = F.apply(x[i], y[i]) }
                        }
                    } else if aIn == 1 && dIn == 1 && bIn == 1 {
                        for i in 0..<n { d[i] = F.apply(x[i], y[i]) }
                    } else {
                        for i in 0..<n { d[i &* dIn] = F.apply(x[i &* aIn], y[i &* bIn]) }
                    }
                }
                return
            }
            let dim = outer[outer.startIndex + level]
            for i in (level == 0 ? range : nil) ?? 0..<dim.count {
                walk(level + 1, ao &+ i &* dim.a, bo &+ i &* dim.b, dO &+ i &* dim.dst, nil)
            }
        }
        if let first = outer.first {
            parallelChunks(first.count, minimumPerThread: max(1, 16_384 / (loops.count / first.count))) { range in
                walk(0, 0, 0, 0, range)
            }
        } else {
            walk(0, 0, 0, 0, nil)
        }
    }

    private protocol Function { static func apply(_ a: Float, _ b: Float) -> Float }
    private enum Add: Function { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b } }
    private enum Sub: Function { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b } }
    private enum Mul: Function { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b } }
    private enum Div: Function { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b } }
    private enum Max: Function { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { Swift.max(a, b) } }
    private enum Min: Function { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { Swift.min(a, b) } }
    private enum GreaterEqual: Function { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a >= b ? 1 : 0 } }
    private enum Greater: Function { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a > b ? 1 : 0 } }
    private enum Equal: Function { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a == b ? 1 : 0 } }
}
