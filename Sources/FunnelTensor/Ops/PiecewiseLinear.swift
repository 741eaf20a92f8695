import FunnelKernels

extension Tensor {
    /// `y[n,c,h,w] = max_k (slopes[n,c,k] * x[n,c,h,w] + intercepts[n,c,k])`, DY-ReLU's activation,
    /// fused into one pass forward and one backward. `x` is `[N, C, H, W]`, coefficients `[N, C, K]`.
    public func piecewiseLinearMax(slopes: Tensor, intercepts: Tensor) -> Tensor {
        precondition(rank == 4, "[piecewise_linear_max] input must be [N, C, H, W], got \(shape)")
        let (n, c) = (shape[0], shape[1])
        precondition(slopes.rank == 3 && slopes.shape[0] == n && slopes.shape[1] == c && intercepts.shape == slopes.shape,
                     "[piecewise_linear_max] coefficients \(slopes.shape) and \(intercepts.shape) for input \(shape); expected [\(n), \(c), K]")
        let k = slopes.shape[2], positions = shape[2] * shape[3]
        let out = Tensor(uninitialized: shape)
        PiecewiseLinearKernel.forward(x: buffer.pointer, slopes: slopes.buffer.pointer, intercepts: intercepts.buffer.pointer,
                                      y: out.buffer.pointer, batch: n, positions: positions, channels: c, pieces: k)
        return out.recording("piecewise_linear_max", [self, slopes, intercepts]) { g, _ in
            let dx = Tensor(uninitialized: self.shape)
            let da = Tensor(uninitialized: slopes.shape), db = Tensor(uninitialized: intercepts.shape)
            PiecewiseLinearKernel.backward(x: self.buffer.pointer, g: g.buffer.pointer, slopes: slopes.buffer.pointer,
                                           intercepts: intercepts.buffer.pointer, dx: dx.buffer.pointer,
                                           dSlopes: da.buffer.pointer, dIntercepts: db.buffer.pointer,
                                           batch: n, positions: positions, channels: c, pieces: k)
            return [dx, da, db]
        }
    }
}
