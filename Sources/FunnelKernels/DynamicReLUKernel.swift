import CKernels

/// DY-ReLU's activation in one pass forward and one backward: from the hyper function's raw
/// output `z` (`[N, G, 2K]`, G = C per channel or 1 shared, before the sigmoid), coefficients
/// `a_k = [k = 0] + λa (2σ(z_k) - 1)`, `b_k = λb (2σ(z_{K+k}) - 1)`, then
/// `y = max_k (a_k x + b_k)` over channels-last `[N, H*W, C]`.
/// The passes take `σ(z)` (`sigmoids`, computed once in forward) and build each sample's
/// coefficients piece-major (`[K, C]`) so the channel loops vectorise.
package struct DynamicReLUShape: Sendable {
    package var batch, positions, channels, pieces, groups: Int
    package var lambdaA, lambdaB: Float
    package init(batch: Int, positions: Int, channels: Int, pieces: Int, groups: Int, lambdaA: Float, lambdaB: Float) {
        self.batch = batch; self.positions = positions; self.channels = channels; self.pieces = pieces
        self.groups = groups; self.lambdaA = lambdaA; self.lambdaB = lambdaB
    }
}

/// DY-ReLU's forward and backward passes over the shape above.
package enum DynamicReLUKernel {
    /// Whether the two-piece C kernels (`dyrelu2.c`) take the shape: K = 2 and whole 16-channel blocks.
    package static func usesTwoPieceKernel(_ s: DynamicReLUShape) -> Bool { s.pieces == 2 && s.channels % 16 == 0 }

    /// `σ(z)` for every entry of the hyper function's output `z` (`[N, G, 2K]`): what every pass
    /// builds its coefficients from and backward's chain through the sigmoid reads. Computed once
    /// in forward and kept for backward: the three passes took it from `z` four times a call, and
    /// at 64 channels on 8x8 maps the 32,768 exponentials of one time (106 µs on one thread) cost
    /// more than a pass's own arithmetic (performance log, 2026-12-06 night). On the calling thread
    /// with a vector exponential (`funnel_sigmoid`, within 3.1 units in the last place of float64's
    /// value, glibc's `expf` within 2.4): one value at a time with `expf` on both threads this took
    /// 0.8 ms a ResNet-20 step, and oneDNN's logistic as long in its fixed cost a call (2026-12-07).
    package static func sigmoids(_ z: UnsafePointer<Float>, shape: DynamicReLUShape) -> Buffer {
        let count = shape.batch * shape.groups * 2 * shape.pieces
        let out = Buffer(count: count)
        funnel_sigmoid(z, out.pointer, count)
        return out
    }

    /// `y = max_k (a_k x + b_k)` with the coefficients from `sigmoid` (`sigmoids`).
    package static func forward(x: UnsafePointer<Float>, sigmoid: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, shape: DynamicReLUShape) {
        let (batch, positions, c, k) = (shape.batch, shape.positions, shape.channels, shape.pieces)
        if usesTwoPieceKernel(shape) {
            eachSample(sigmoid, shape) { scratch, _, o, _ in funnel_dyrelu2_forward(x + o, scratch.a, scratch.b, y + o, positions, c) }
            return
        }
        parallelChunks(batch * positions, minimumPerThread: max(1, 16384 / c)) { range in
            let scratch = Scratch(channels: c, pieces: k)
            defer { scratch.free() }
            let a = scratch.a, b = scratch.b
            var current = -1
            for row in range {
                let n = row / positions
                if n != current { scratch.coefficients(sigmoid, sample: n, shape); current = n }
                let xs = x + row &* c, ys = y + row &* c
                for i in 0..<c { ys[i] = a[i] * xs[i] + b[i] }
                for piece in 1..<max(k, 1) {
                    let ap = a + piece &* c, bp = b + piece &* c
                    for i in 0..<c { ys[i] = max(ys[i], ap[i] * xs[i] + bp[i]) }
                }
            }
        }
    }

    /// `dx = a_{k*} g` and `dz` through the sums `Σ g x [k = k*]` (slopes) and `Σ g [k = k*]`
    /// (intercepts), `k*` the winning piece (the first at ties, as `torch.max(dim)`), and the sigmoid
    /// (`sigmoid`: `sigmoids` of the `z` that `dz` is for).
    package static func backward(x: UnsafePointer<Float>, sigmoid: UnsafePointer<Float>, g: UnsafePointer<Float>,
                                 dx: UnsafeMutablePointer<Float>, dz: UnsafeMutablePointer<Float>, shape: DynamicReLUShape) {
        let (batch, positions, c, k) = (shape.batch, shape.positions, shape.channels, shape.pieces)
        let twoPieces = usesTwoPieceKernel(shape)
        // Samples are independent: one sample's coefficient gradients are written by one thread.
        parallelChunks(batch, minimumPerThread: 1) { range in
            let scratch = Scratch(channels: c, pieces: k)
            defer { scratch.free() }
            let a = scratch.a, b = scratch.b, da = scratch.da, db = scratch.db, best = scratch.best, taken = scratch.taken
            for n in range {
                scratch.coefficients(sigmoid, sample: n, shape)
                da.update(repeating: 0, count: c * k)
                db.update(repeating: 0, count: c * k)
                if twoPieces {
                    let o = n &* positions &* c
                    funnel_dyrelu2_backward(x + o, g + o, a, b, dx + o, da, db, positions, c)
                    scratch.chainThroughSigmoid(sigmoid, dz, sample: n, shape)
                    continue
                }
                for p in 0..<positions {
                    let o = (n &* positions &+ p) &* c
                    let xs = x + o, gs = g + o, dxs = dx + o
                    // The winning value first, then one mask per piece; `taken` gives a tie to the first.
                    for i in 0..<c { best[i] = a[i] * xs[i] + b[i]; taken[i] = 0; dxs[i] = 0 }
                    for piece in 1..<max(k, 1) {
                        let ap = a + piece * c, bp = b + piece * c
                        for i in 0..<c { best[i] = max(best[i], ap[i] * xs[i] + bp[i]) }
                    }
                    for piece in 0..<k {
                        let ap = a + piece * c, bp = b + piece * c, dap = da + piece * c, dbp = db + piece * c
                        for i in 0..<c {
                            let wins: Float = ap[i] * xs[i] + bp[i] == best[i] ? 1 - taken[i] : 0
                            taken[i] += wins
                            let gw = gs[i] * wins
                            dxs[i] += ap[i] * gw
                            dap[i] += gw * xs[i]
                            dbp[i] += gw
                        }
                    }
                }
                scratch.chainThroughSigmoid(sigmoid, dz, sample: n, shape)
            }
        }
    }

    /// `body` for every sample, in parallel, with the thread's scratch holding the sample's
    /// coefficients; `body` gets the scratch, the sample, its offset in the map and the bytes of
    /// a map that the calling thread's samples take (whether its outputs are worth streaming).
    private static func eachSample(_ sigmoid: UnsafePointer<Float>, _ shape: DynamicReLUShape,
                                   _ body: (Scratch, _ sample: Int, _ offset: Int, _ chunkBytes: Int) -> Void) {
        let sampleBytes = shape.positions * shape.channels * MemoryLayout<Float>.stride
        parallelChunks(shape.batch, minimumPerThread: 1) { range in
            let scratch = Scratch(channels: shape.channels, pieces: shape.pieces)
            defer { scratch.free() }
            for n in range {
                scratch.coefficients(sigmoid, sample: n, shape)
                body(scratch, n, n &* shape.positions &* shape.channels, range.count * sampleBytes)
            }
        }
    }

    /// Per-thread working memory: one sample's coefficients and gradient sums, piece-major.
    private struct Scratch {
        let a, b, da, db, best, taken: UnsafeMutablePointer<Float>
        let c, k: Int

        init(channels: Int, pieces: Int) {
            c = channels; k = pieces
            a = .allocate(capacity: c * k); b = .allocate(capacity: c * k)
            da = .allocate(capacity: c * k); db = .allocate(capacity: c * k)
            best = .allocate(capacity: c); taken = .allocate(capacity: c)
        }

        func free() { for p in [a, b, da, db, best, taken] { p.deallocate() } }

        /// Sample `n`'s coefficients from its `σ(z)` into `[K, C]`.
        func coefficients(_ sigmoid: UnsafePointer<Float>, sample n: Int, _ s: DynamicReLUShape) {
            let width = 2 * k
            for i in 0..<c {
                let sig = sigmoid + (n * s.groups + (s.groups == 1 ? 0 : i)) * width
                for piece in 0..<k {
                    a[piece * c + i] = (piece == 0 ? 1 : 0) + s.lambdaA * (2 * sig[piece] - 1)
                    b[piece * c + i] = s.lambdaB * (2 * sig[k + piece] - 1)
                }
            }
        }

        /// `dz` of sample `n` from the coefficient gradients `da`, `db`: `dz = dcoef * λ * 2σ(1 - σ)`,
        /// summed over channels when the coefficients are shared (G = 1).
        func chainThroughSigmoid(_ sigmoid: UnsafePointer<Float>, _ dz: UnsafeMutablePointer<Float>, sample n: Int, _ s: DynamicReLUShape) {
            let width = 2 * k
            for j in 0..<(s.groups * width) { dz[n * s.groups * width + j] = 0 }
            for i in 0..<c {
                let row = (n * s.groups + (s.groups == 1 ? 0 : i)) * width
                for j in 0..<width {
                    let sig = sigmoid[row + j]
                    let upstream = j < k ? da[j * c + i] * s.lambdaA : db[(j - k) * c + i] * s.lambdaB
                    dz[row + j] += upstream * 2 * sig * (1 - sig)
                }
            }
        }
    }
}

/// DY-ReLU with two pieces after a batch norm (`DynamicReLUKernel.usesTwoPieceKernel` shapes): the
/// activation's input `u = an (x - mean) + β` (plus a residual `s`) is recomputed from the norm's
/// input `x` in every pass instead of being stored, and the gradient through the hyper function's
/// average pooling joins the activation's own in the norm's backward pass instead of a broadcast
/// add over the map. Samples are independent: one sample's sums are written by one thread.
extension DynamicReLUKernel {
    /// `y = max_k (a_k u + b_k)`; `norm` = `[an, mean, β]` per channel. With `sampleSums` (`[N, C]`,
    /// zeros), also `Σ_p y` per sample and channel, taken as `y` is written.
    package static func normForward(x: UnsafePointer<Float>, residual: UnsafePointer<Float>?, norm: UnsafePointer<Float>,
                                    sigmoid: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                                    sampleSums: UnsafeMutablePointer<Double>?, shape: DynamicReLUShape) {
        let (positions, c) = (shape.positions, shape.channels)
        eachSample(sigmoid, shape) { scratch, n, o, chunkBytes in
            funnel_dyrelu2_norm_forward(x + o, residual.map { $0 + o }, norm, scratch.a, scratch.b, y + o, sampleSums.map { $0 + n * c },
                                        positions, c, chunkBytes)
        }
    }

    /// Backward, first pass: `dz` (as `backward`), and per sample and channel the two sums the
    /// norm's backward needs of the activation's input gradient `g' = a_{k*} g`: `Σ g'` (slot 0) and
    /// `Σ g' (x - mean)` (slot 1), `[N, 2, C]`.
    package static func normSums(x: UnsafePointer<Float>, residual: UnsafePointer<Float>?, g: UnsafePointer<Float>,
                                 norm: UnsafePointer<Float>, sigmoid: UnsafePointer<Float>, dz: UnsafeMutablePointer<Float>,
                                 shape: DynamicReLUShape) -> [Double] {
        let (positions, c) = (shape.positions, shape.channels)
        var normSums = [Double](repeating: 0, count: shape.batch * 2 * c)
        normSums.withUnsafeMutableBufferPointer { out in
            let out = out.baseAddress!
            parallelChunks(shape.batch, minimumPerThread: 1) { range in
                let scratch = Scratch(channels: c, pieces: shape.pieces)
                let sums = UnsafeMutablePointer<Double>.allocate(capacity: 6 * c)
                defer { scratch.free(); sums.deallocate() }
                let a = scratch.a, da = scratch.da, db = scratch.db
                for n in range {
                    scratch.coefficients(sigmoid, sample: n, shape)
                    sums.update(repeating: 0, count: 6 * c)
                    let o = n &* positions &* c
                    funnel_dyrelu2_norm_sums(x + o, residual.map { $0 + o }, g + o, norm, scratch.a, scratch.b, sums, positions, c)
                    for i in 0..<(2 * c) {
                        db[i] = Float(sums[i])  // Σ g0, Σ g1: slots 0, 1
                        da[i] = Float(sums[2 * c + i])  // Σ g0 u, Σ g1 u: slots 2, 3
                    }
                    scratch.chainThroughSigmoid(sigmoid, dz, sample: n, shape)
                    for i in 0..<c {
                        let a0 = Double(a[i]), a1 = Double(a[c + i])
                        out[n * 2 * c + i] = a0 * sums[i] + a1 * sums[c + i]
                        out[n * 2 * c + c + i] = a0 * sums[4 * c + i] + a1 * sums[5 * c + i]
                    }
                }
            }
        }
        return normSums
    }

    /// Backward, second pass: `du = a_{k*} g + pooled[n, c]` (`pooled`, `[N, C]`: the gradient
    /// through the average pooling, already divided by the positions), into `ds` when given, and
    /// `dx = an du - k1 - (x - mean) k2`; `norm` = `[an, mean, β, k1, k2]`.
    package static func normBackward(x: UnsafePointer<Float>, residual: UnsafePointer<Float>?, g: UnsafePointer<Float>,
                                     norm: UnsafePointer<Float>, sigmoid: UnsafePointer<Float>, pooled: UnsafePointer<Float>,
                                     dx: UnsafeMutablePointer<Float>, ds: UnsafeMutablePointer<Float>?, shape: DynamicReLUShape) {
        let (positions, c) = (shape.positions, shape.channels)
        eachSample(sigmoid, shape) { scratch, n, o, chunkBytes in
            funnel_dyrelu2_norm_backward(x + o, residual.map { $0 + o }, g + o, norm, scratch.a, scratch.b, pooled + n * c,
                                         dx + o, ds.map { $0 + o }, positions, c, chunkBytes)
        }
    }
}
