import FunnelKernels

extension Tensor {
    private func pool(_ kind: PoolGeometry.Kind, kernel: (Int, Int), stride: (Int, Int)?, padding: (Int, Int), name: String) -> Tensor {
        require(rank == 4, "[\(name)] input must be [N, C, H, W], got \(shape)")
        let s = stride ?? kernel
        require(padding.0 * 2 <= kernel.0 && padding.1 * 2 <= kernel.1, "[\(name)] padding \(padding) exceeds half the kernel \(kernel)")
        let g = PoolGeometry(kind: kind, batch: shape[0], channels: shape[1], height: shape[2], width: shape[3],
                             kh: kernel.0, kw: kernel.1, strideH: s.0, strideW: s.1, padH: padding.0, padW: padding.1)
        require(g.outHeight > 0 && g.outWidth > 0, "[\(name)] input \(shape) too small for kernel \(kernel)")
        let out = Tensor(uninitialized: [g.batch, g.channels, g.outHeight, g.outWidth])
        let wsBytes = kind == .max ? Pooling.workspaceBytes(g) : 0
        let workspace = wsBytes > 0 ? Buffer(count: (wsBytes + 3) / 4) : nil
        Pooling.forward(g, src: buffer.pointer, dst: out.buffer.pointer, workspace: workspace.map { UnsafeMutableRawPointer($0.pointer) })
        let inShape = shape
        return out.recording(name, [self]) { grad in
            let dx = Tensor(uninitialized: inShape)
            Pooling.backward(g, diffDst: grad.buffer.pointer, diffSrc: dx.buffer.pointer,
                             workspace: workspace.map { UnsafeMutableRawPointer($0.pointer) })
            return [dx]
        }
    }

    /// Max pooling; padding is treated as -infinity. Stride defaults to the kernel size.
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        pool(.max, kernel: kernel, stride: stride, padding: padding, name: "max_pool2d")
    }

    /// Average pooling. `countIncludePad` as in PyTorch (default true: padding counts as zeros).
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0), countIncludePad: Bool = true) -> Tensor {
        pool(countIncludePad ? .averageIncludingPadding : .averageExcludingPadding, kernel: kernel, stride: stride, padding: padding, name: "avg_pool2d")
    }

    /// Mean over H and W: `[N, C, H, W] -> [N, C]`.
    public func globalAvgPool() -> Tensor {
        require(rank == 4, "[global_avg_pool] input must be [N, C, H, W], got \(shape)")
        return mean(axes: [2, 3])
    }

    /// Averages over a `bins.0 x bins.1` grid of cells: PyTorch's `adaptive_avg_pool2d`, where
    /// cell `i` of `b` covers rows `floor(i * H / b) ..< ceil((i + 1) * H / b)` (cells overlap when
    /// `b` does not divide `H`). One average pooling when the bins divide the size; otherwise
    /// composed of slices and means, so the backward pass comes from those.
    public func adaptiveAvgPool2d(_ bins: (Int, Int)) -> Tensor {
        require(rank == 4, "[adaptive_avg_pool2d] input must be [N, C, H, W], got \(shape)")
        let (h, w) = (shape[2], shape[3])
        require(bins.0 > 0 && bins.1 > 0 && bins.0 <= h && bins.1 <= w, "[adaptive_avg_pool2d] \(bins.0)x\(bins.1) bins for a \(h)x\(w) input")
        if h % bins.0 == 0 && w % bins.1 == 0 { return avgPool2d(kernel: (h / bins.0, w / bins.1)) }
        func cell(_ i: Int, _ b: Int, _ n: Int) -> Range<Int> { (i * n / b) ..< ((i + 1) * n + b - 1) / b }
        let rows = (0..<bins.0).map { i in
            let band = sliced(axis: 2, cell(i, bins.0, h))
            return Tensor.concat((0..<bins.1).map { j in band.sliced(axis: 3, cell(j, bins.1, w)).mean(axes: [2, 3], keepDims: true) }, axis: 3)
        }
        return Tensor.concat(rows, axis: 2)
    }
}
