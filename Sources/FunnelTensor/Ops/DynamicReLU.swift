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
        DynamicReLUKernel.forward(x: buffer.pointer, z: z.buffer.pointer, y: out.buffer.pointer, shape: s)
        return out.recording("dynamic_relu", [self, z]) { g in
            let dx = Tensor(uninitialized: self.shape), dz = Tensor(uninitialized: z.shape)
            DynamicReLUKernel.backward(x: self.buffer.pointer, z: z.buffer.pointer, g: g.buffer.pointer,
                                           dx: dx.buffer.pointer, dz: dz.buffer.pointer, shape: s)
            return [dx, dz]
        }
    }
}
