/// DY-ReLU's per-sample, per-channel piecewise-linear maximum `y = max_k (a_k x + b_k)` over
/// channels-last `[N, H*W, C]`, with coefficients `[N, C, K]`, in one pass forward and one backward.
public enum PiecewiseLinearKernel {
    public static func forward(x: UnsafePointer<Float>, slopes: UnsafePointer<Float>, intercepts: UnsafePointer<Float>,
                               y: UnsafeMutablePointer<Float>, batch: Int, positions: Int, channels c: Int, pieces k: Int) {
        parallelChunks(batch * positions, minimumPerThread: max(1, 16384 / c)) { range in
            var a = [Float](repeating: 0, count: c * k), b = [Float](repeating: 0, count: c * k)
            var current = -1
            for row in range {
                let n = row / positions
                if n != current { gather(slopes, intercepts, n, c, k, &a, &b); current = n }
                let o = row * c
                a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in
                    for i in 0..<c { y[o + i] = a[i] * x[o + i] + b[i] }
                    for piece in 1..<max(k, 1) {
                        let off = piece * c
                        for i in 0..<c { y[o + i] = max(y[o + i], a[off + i] * x[o + i] + b[off + i]) }
                    }
                } }
            }
        }
    }

    /// `dx = a_{k*} g`; `da[n,c,k] = Σ g x [k = k*]`, `db[n,c,k] = Σ g [k = k*]` with `k*` the
    /// winning piece (the first at ties, as `torch.max(dim)`). Overwrites `dSlopes`/`dIntercepts`.
    public static func backward(x: UnsafePointer<Float>, g: UnsafePointer<Float>, slopes: UnsafePointer<Float>,
                                intercepts: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                                dSlopes: UnsafeMutablePointer<Float>, dIntercepts: UnsafeMutablePointer<Float>,
                                batch: Int, positions: Int, channels c: Int, pieces k: Int) {
        // Samples are independent: one sample's coefficient gradients are written by one thread.
        parallelChunks(batch, minimumPerThread: 1) { range in
            var a = [Float](repeating: 0, count: c * k), b = [Float](repeating: 0, count: c * k)
            var da = [Float](repeating: 0, count: c * k), db = [Float](repeating: 0, count: c * k)
            var best = [Float](repeating: 0, count: c), taken = [Float](repeating: 0, count: c)
            for n in range {
                gather(slopes, intercepts, n, c, k, &a, &b)
                for j in 0..<(c * k) { da[j] = 0; db[j] = 0 }
                for p in 0..<positions {
                    let o = (n * positions + p) * c
                    // Vectorised over channels: the winning value first, then one mask per piece
                    // (the first winner takes a tie, as `torch.max(dim)`).
                    for i in 0..<c { best[i] = a[i] * x[o + i] + b[i]; taken[i] = 0; dx[o + i] = 0 }
                    for piece in 1..<max(k, 1) {
                        let off = piece * c
                        for i in 0..<c { best[i] = max(best[i], a[off + i] * x[o + i] + b[off + i]) }
                    }
                    for piece in 0..<k {
                        let off = piece * c
                        for i in 0..<c {
                            let wins: Float = a[off + i] * x[o + i] + b[off + i] == best[i] ? 1 - taken[i] : 0
                            taken[i] += wins
                            let gw = g[o + i] * wins
                            dx[o + i] += a[off + i] * gw
                            da[off + i] += gw * x[o + i]
                            db[off + i] += gw
                        }
                    }
                }
                for i in 0..<c { for piece in 0..<k {
                    dSlopes[(n * c + i) * k + piece] = da[piece * c + i]
                    dIntercepts[(n * c + i) * k + piece] = db[piece * c + i]
                } }
            }
        }
    }

    /// Sample `n`'s coefficients from `[N, C, K]` into piece-major `[K, C]` for vectorised loops.
    private static func gather(_ slopes: UnsafePointer<Float>, _ intercepts: UnsafePointer<Float>, _ n: Int, _ c: Int, _ k: Int,
                               _ a: inout [Float], _ b: inout [Float]) {
        for i in 0..<c { for piece in 0..<k {
            a[piece * c + i] = slopes[(n * c + i) * k + piece]
            b[piece * c + i] = intercepts[(n * c + i) * k + piece]
        } }
    }
}
