import FunnelKernels

extension Tensor {
    /// DY-ReLU's activation fused into one op (forward and backward side by side), from the hyper
    /// function's raw output `z` (before the sigmoid):
    /// `a_k = [k = 0] + λa (2σ(z_k) - 1)`, `b_k = λb (2σ(z_{K+k}) - 1)`, `y = max_k (a_k x + b_k)`.
    /// - Parameters:
    ///   - z: `[N, C, 2K]` (per-channel coefficients, DY-ReLU-B) or `[N, 1, 2K]` (shared, DY-ReLU-A);
    ///     for each channel the K slope entries come first, then the K intercepts.
    public func dynamicReLU(z: Tensor, lambdaA: Float, lambdaB: Float) -> Tensor {
        require(rank == 4, "[dynamic_relu] input must be [N, C, H, W], got \(shape)")
        let (n, c) = (shape[0], shape[1])
        require(z.rank == 3 && z.shape[0] == n && (z.shape[1] == c || z.shape[1] == 1) && z.shape[2] % 2 == 0,
                     "[dynamic_relu] coefficients \(z.shape) for input \(shape); expected [\(n), \(c) or 1, 2K]")
        let s = DynamicReLUShape(batch: n, positions: shape[2] * shape[3], channels: c, pieces: z.shape[2] / 2,
                                 groups: z.shape[1], lambdaA: lambdaA, lambdaB: lambdaB)
        let out = Tensor(uninitialized: shape)
        let sigmoid = DynamicReLUKernel.sigmoids(z.buffer.pointer, shape: s)
        DynamicReLUKernel.forward(x: buffer.pointer, sigmoid: sigmoid.pointer, y: out.buffer.pointer, shape: s)
        return out.recording("dynamic_relu", [self, z]) { g in
            let dx = Tensor(uninitialized: self.shape), dz = Tensor(uninitialized: z.shape)
            DynamicReLUKernel.backward(x: self.buffer.pointer, sigmoid: sigmoid.pointer, g: g.buffer.pointer,
                                           dx: dx.buffer.pointer, dz: dz.buffer.pointer, shape: s)
            return [dx, dz]
        }
    }
}

extension Tensor {
    /// Whether `dynamicReLU(after:…)` takes DY-ReLU's shape: two pieces on channels in whole
    /// 16-channel blocks (the kernels of `dyrelu2.c`).
    public static func dynamicReLUFusesNorm(channels: Int, pieces: Int) -> Bool {
        DynamicReLUKernel.usesTwoPieceKernel(DynamicReLUShape(batch: 1, positions: 1, channels: channels, pieces: pieces, groups: 1,
                                                              lambdaA: 0, lambdaB: 0))
    }

    /// DY-ReLU after a batch norm, with the norm run inside the activation's passes: the result
    /// of `u.dynamicReLU(z: hyper(u.globalAvgPool()), …)` for `u = self.batchNorm(norm…)` (plus
    /// `residual`: a residual block's end), without `u` ever being stored.
    ///
    /// - Forward: one pass sums each sample's channels, which give both the batch's moments and
    ///   the pooled `u` (an average of `a (x - mean) + β` is that of `x`, mapped; at a block's end
    ///   the residual's sums come with it when another such op made it, else from a second pass);
    ///   `hyper` runs on the `[N, C]` pooled values as ordinary ops; `σ` of its output is taken once
    ///   for every pass after it; one pass writes the output and sums it per sample and channel, for
    ///   the block's end that takes it as its residual (`sampleChannelSums`).
    /// - Backward, two passes as a batch norm with a fused ReLU: the activation's rule takes the
    ///   coefficients' gradient and the norm's sums; the pooling's rule, which runs after the hyper
    ///   function's backward, writes `dx` (and the residual's gradient) with the gradient through
    ///   the pooling added in the same pass — no broadcast add over the map. The activation's rule
    ///   leaves its output gradient and sums for the pooling's (`DynamicReLUNormState`).
    /// Requires `dynamicReLUFusesNorm`; `hyper` maps the pooled values to `z` (`[N, C or 1, 4]`).
    public func dynamicReLU(after norm: InputNorm, training: Bool, adding residual: Tensor? = nil, lambdaA: Float, lambdaB: Float,
                            hyper: (_ pooled: Tensor) -> Tensor) -> Tensor {
        require(rank == 4, "[dynamic_relu] input must be [N, C, H, W], got \(shape)")
        let (n, c, positions) = (shape[0], shape[1], shape[2] * shape[3])
        require(Tensor.dynamicReLUFusesNorm(channels: c, pieces: 2), "[dynamic_relu] a norm inside needs channels in 16-channel blocks, got \(c)")
        if let residual { require(residual.shape == shape, "[dynamic_relu] residual has shape \(residual.shape), expected the input's \(shape)") }

        // Its passes, timed under this label when profiling (as batch norm's and the funnel op's).
        func passes() -> String { "dynamic_relu \(c)ch" + (residual == nil ? "" : " + residual") }
        // One pass: per-sample sums, shifted by the first row (near the mean: no cancellation).
        let shift = Buffer(count: c)
        shift.pointer.update(from: buffer.pointer, count: c)
        let sums = OpProfile.timePass(passes(), "forward: the moments and pooled sums") {
            BatchNormKernel.sampleSums(buffer.pointer, samples: n, positions: positions, channels: c, shift: shift.pointer)
        }
        var moments: (mean: Buffer, variance: Buffer)?
        if training {
            let mean = Buffer(count: c), variance = Buffer(count: c)
            var batchSums = [Double](repeating: 0, count: 2 * c)
            sums.withUnsafeBufferPointer { sums in
                for j in 0..<n { for k in 0..<(2 * c) { batchSums[k] += sums[j * 2 * c + k] } }
            }
            BatchNormKernel.moments(shiftedSums: batchSums, count: count / c, channels: c, shift: shift.pointer,
                                    mean: mean.pointer, variance: variance.pointer)
            moments = (mean, variance)
        }
        let plan = BatchNormPlan(self, norm, training: training, op: "dynamic_relu", moments: moments)

        // Σ_p (x - mean) per sample and channel, then the pooled u. (Per-channel terms first and
        // no bounds checks: as a plain loop this took 45-80 µs a call, about as long as the pass
        // over a 64-channel map's sums.)
        var centered = [Double](repeating: 0, count: n * c)
        // The residual's per-sample sums (its pooled values), `[N, C]`; none without one. A DY-ReLU's
        // output (the previous block's end) comes with them; others take a pass of their own.
        let residualSums: [Double] = residual.map { r in
            if let sums = r.sampleChannelSums {
                require(sums.count == n * c, "[dynamic_relu] residual's sums: \(sums.count) for shape \(r.shape)")
                return sums
            }
            let noShift = Buffer(zeros: c)
            let sums = OpProfile.timePass(passes(), "forward: the residual's pooled sums") {
                BatchNormKernel.sampleSums(r.buffer.pointer, samples: n, positions: positions, channels: c, shift: noShift.pointer)
            }
            return (0..<(n * c)).map { sums[$0 / c * 2 * c + $0 % c] }  // slot 0 of `[N, 2, C]`
        } ?? []
        let pooled = Tensor(uninitialized: [n, c])
        let p = Double(positions)
        let offsets = (0..<c).map { p * Double(plan.mean.pointer[$0] - shift.pointer[$0]) }
        sums.withUnsafeBufferPointer { sums in
            residualSums.withUnsafeBufferPointer { residualSums in
                centered.withUnsafeMutableBufferPointer { centered in
                    let out = pooled.buffer.pointer, scale = plan.scale.pointer, beta = plan.shift.pointer
                    for j in 0..<n {
                        for i in 0..<c {
                            let sum = sums[j * 2 * c + i] - offsets[i]
                            centered[j * c + i] = sum
                            let residualMean = residualSums.isEmpty ? 0 : residualSums[j * c + i] / p
                            out[j * c + i] = Float(Double(scale[i]) * sum / p + Double(beta[i]) + residualMean)
                        }
                    }
                }
            }
        }

        let state = DynamicReLUNormState()
        let adds = residual != nil
        pooled.recording("batch_norm_pool", [self, norm.weight, norm.bias] + (residual.map { [$0] } ?? [])) { gPooled in
            let gOut = state.outputGradient ?? Tensor.zeros(self.shape)
            let direct = state.sums ?? [Double](repeating: 0, count: n * 2 * c)
            state.outputGradient = nil
            // The norm's sums: the activation's share plus the pooling's (spread evenly over positions).
            var sumG = [Double](repeating: 0, count: c), sumGCentered = [Double](repeating: 0, count: c)
            let spread = Buffer(count: n * c)
            direct.withUnsafeBufferPointer { direct in
                centered.withUnsafeBufferPointer { centered in
                    let gp = gPooled.buffer.pointer, p = Double(positions)
                    for j in 0..<n {
                        for i in 0..<c {
                            let g = Double(gp[j * c + i])
                            sumG[i] += direct[j * 2 * c + i] + g
                            sumGCentered[i] += direct[j * 2 * c + c + i] + g * centered[j * c + i] / p
                            spread.pointer[j * c + i] = Float(g / p)
                        }
                    }
                }
            }
            let (dw, db) = plan.parameterGradients((sumG, sumGCentered))
            let (k1, k2) = plan.statisticsTerms((sumG, sumGCentered))
            let coefficients = Buffer(packing: [plan.scale.pointer, plan.mean.pointer, plan.shift.pointer, k1.pointer, k2.pointer], channels: c)
            let dx = Tensor(uninitialized: self.shape), dr = adds ? Tensor(uninitialized: self.shape) : nil
            OpProfile.timePass(passes(), "backward: the gradients") {
                withExtendedLifetime((coefficients, spread)) {
                    DynamicReLUKernel.normBackward(x: self.buffer.pointer, residual: residual?.buffer.pointer, g: gOut.buffer.pointer,
                                                   norm: coefficients.pointer, sigmoid: state.sigmoid!.pointer, pooled: spread.pointer,
                                                   dx: dx.buffer.pointer, ds: dr?.buffer.pointer, shape: state.shape!)
                }
            }
            return [dx, dw, db] + (dr.map { [$0] } ?? [])
        }

        let z = hyper(pooled)
        require(z.rank == 3 && z.shape[0] == n && (z.shape[1] == c || z.shape[1] == 1) && z.shape[2] == 4,
                "[dynamic_relu] hyper function gave \(z.shape) for input \(shape); expected [\(n), \(c) or 1, 4]")
        let s = DynamicReLUShape(batch: n, positions: positions, channels: c, pieces: 2, groups: z.shape[1], lambdaA: lambdaA, lambdaB: lambdaB)
        let sigmoid = OpProfile.timePass(passes(), "forward: the sigmoids") { DynamicReLUKernel.sigmoids(z.buffer.pointer, shape: s) }
        state.sigmoid = sigmoid; state.shape = s
        let packed = plan.packed()
        let out = Tensor(uninitialized: shape)
        var outputSums = [Double](repeating: 0, count: n * c)
        OpProfile.timePass(passes(), "forward: the output") {
            outputSums.withUnsafeMutableBufferPointer { sums in
                DynamicReLUKernel.normForward(x: buffer.pointer, residual: residual?.buffer.pointer, norm: packed.pointer, sigmoid: sigmoid.pointer,
                                              y: out.buffer.pointer, sampleSums: sums.baseAddress!, shape: s)
            }
        }
        out.sampleChannelSums = outputSums
        return out.recording("dynamic_relu", [z]) { g in
            let dz = Tensor(uninitialized: z.shape)
            state.sums = OpProfile.timePass(passes(), "backward: the sums") {
                DynamicReLUKernel.normSums(x: self.buffer.pointer, residual: residual?.buffer.pointer, g: g.buffer.pointer,
                                           norm: packed.pointer, sigmoid: sigmoid.pointer, dz: dz.buffer.pointer, shape: s)
            }
            state.outputGradient = g
            return [dz]
        }
    }
}

/// What `dynamicReLU(after:…)`'s activation rule leaves for its pooling's rule, which runs after
/// it (the pooling comes first in forward): the output's gradient and, per sample, the norm's
/// sums of the activation's input gradient. Without them (the output got no gradient) the pooling
/// passes only its own. Forward leaves `σ(z)` of the hyper function's output for both.
final class DynamicReLUNormState {
    var sigmoid: Buffer?
    var shape: DynamicReLUShape?
    var outputGradient: Tensor?
    var sums: [Double]?
}
