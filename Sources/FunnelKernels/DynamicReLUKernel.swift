import CKernels
import Foundation

/// DY-ReLU's activation in one pass forward and one backward: from the hyper function's raw
/// output `z` (`[N, G, 2K]`, G = C per channel or 1 shared, before the sigmoid), coefficients
/// `a_k = [k = 0] + λa (2σ(z_k) - 1)`, `b_k = λb (2σ(z_{K+k}) - 1)`, then
/// `y = max_k (a_k x + b_k)` over channels-last `[N, H*W, C]`.
/// Coefficients are built per sample piece-major (`[K, C]`) so the channel loops vectorise.
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
    static func usesTwoPieceKernel(_ s: DynamicReLUShape) -> Bool { s.pieces == 2 && s.channels % 16 == 0 }

    package static func forward(x: UnsafePointer<Float>, z: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, shape: DynamicReLUShape) {
        let (batch, positions, c, k) = (shape.batch, shape.positions, shape.channels, shape.pieces)
        if usesTwoPieceKernel(shape) {
            parallelChunks(batch, minimumPerThread: 1) { range in
                let scratch = Scratch(channels: c, pieces: k)
                defer { scratch.free() }
                for n in range {
                    scratch.coefficients(z, sample: n, shape)
                    let o = n &* positions &* c
                    funnel_dyrelu2_forward(x + o, scratch.a, scratch.b, y + o, positions, c)
                }
            }
            return
        }
        parallelChunks(batch * positions, minimumPerThread: max(1, 16384 / c)) { range in
            let scratch = Scratch(channels: c, pieces: k)
            defer { scratch.free() }
            let a = scratch.a, b = scratch.b
            var current = -1
            for row in range {
                let n = row / positions
                if n != current { scratch.coefficients(z, sample: n, shape); current = n }
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
    /// (intercepts), `k*` the winning piece (the first at ties, as `torch.max(dim)`), and the sigmoid.
    package static func backward(x: UnsafePointer<Float>, z: UnsafePointer<Float>, g: UnsafePointer<Float>,
                                 dx: UnsafeMutablePointer<Float>, dz: UnsafeMutablePointer<Float>, shape: DynamicReLUShape) {
        let (batch, positions, c, k) = (shape.batch, shape.positions, shape.channels, shape.pieces)
        let twoPieces = usesTwoPieceKernel(shape)
        // Samples are independent: one sample's coefficient gradients are written by one thread.
        parallelChunks(batch, minimumPerThread: 1) { range in
            let scratch = Scratch(channels: c, pieces: k)
            defer { scratch.free() }
            let a = scratch.a, b = scratch.b, da = scratch.da, db = scratch.db, best = scratch.best, taken = scratch.taken
            for n in range {
                scratch.coefficients(z, sample: n, shape)
                da.update(repeating: 0, count: c * k)
                db.update(repeating: 0, count: c * k)
                if twoPieces {
                    let o = n &* positions &* c
                    funnel_dyrelu2_backward(x + o, g + o, a, b, dx + o, da, db, positions, c)
                    scratch.chainThroughSigmoid(z, dz, sample: n, shape)
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
                scratch.chainThroughSigmoid(z, dz, sample: n, shape)
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

        /// Sample `n`'s coefficients from its `z` into `[K, C]`.
        func coefficients(_ z: UnsafePointer<Float>, sample n: Int, _ s: DynamicReLUShape) {
            let width = 2 * k
            for i in 0..<c {
                let zs = z + (n * s.groups + (s.groups == 1 ? 0 : i)) * width
                for piece in 0..<k {
                    a[piece * c + i] = (piece == 0 ? 1 : 0) + s.lambdaA * (2 / (1 + Foundation.exp(-zs[piece])) - 1)
                    b[piece * c + i] = s.lambdaB * (2 / (1 + Foundation.exp(-zs[k + piece])) - 1)
                }
            }
        }

        /// `dz` of sample `n` from the coefficient gradients `da`, `db`: `dz = dcoef * λ * 2σ(1 - σ)`,
        /// summed over channels when the coefficients are shared (G = 1).
        func chainThroughSigmoid(_ z: UnsafePointer<Float>, _ dz: UnsafeMutablePointer<Float>, sample n: Int, _ s: DynamicReLUShape) {
            let width = 2 * k
            for j in 0..<(s.groups * width) { dz[n * s.groups * width + j] = 0 }
            for i in 0..<c {
                let row = (n * s.groups + (s.groups == 1 ? 0 : i)) * width
                for j in 0..<width {
                    let sig = 1 / (1 + Foundation.exp(-z[row + j]))
                    let upstream = j < k ? da[j * c + i] * s.lambdaA : db[(j - k) * c + i] * s.lambdaB
                    dz[row + j] += upstream * 2 * sig * (1 - sig)
                }
            }
        }
    }
}
