import FunnelKernels

// Reductions over chosen axes. Negative axes count from the end, as in PyTorch.

extension Tensor {
    func normalizedAxes(_ axes: [Int]?, op: String) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        return Array(Set(axes.map { a in
            let n = a < 0 ? a + rank : a
            require(n >= 0 && n < rank, "[\(op)] axis \(a) out of range for shape \(shape)")
            return n
        })).sorted()
    }

    /// Shape with the reduced axes kept as size 1, and the result shape.
    private func reducedShapes(_ axes: [Int], keepDims: Bool) -> (kept: [Int], result: [Int]) {
        let kept = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        return (kept, keepDims ? kept : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
    }

    private func reduce(_ op: Reduction.Op, _ axes: [Int], keepDims: Bool) -> (Tensor, [Int]) {
        let (kept, result) = reducedShapes(axes, keepDims: keepDims)
        let out = Tensor(uninitialized: kept)
        Reduction.run(op, src: layout, buffer.pointer, dst: out.layout, out.buffer.pointer)
        return (withoutGrad { out.reshaped(to: result) }, kept)
    }

    /// Sum over `axes` (all when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = normalizedAxes(axes, op: "sum")
        let (out, kept) = reduce(.sum, ax, keepDims: keepDims)
        return out.recording("sum", [self]) { g in [g.reshaped(to: kept)] }  // compact, as mean's
    }

    /// Mean over `axes` (all when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = normalizedAxes(axes, op: "mean")
        let n = Float(ax.reduce(1) { $0 * shape[$1] })
        let (out, kept) = reduce(.mean, ax, keepDims: keepDims)
        // Compact: the engine broadcasts it into the input's other gradients (see `recording`).
        return out.recording("mean", [self]) { g in [g.reshaped(to: kept) * (1 / n)] }
    }

    /// Maximum over `axes`. The gradient goes to the maxima, split evenly among ties.
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = normalizedAxes(axes, op: "max")
        let (out, kept) = reduce(.max, ax, keepDims: keepDims)
        let maxima = out.detached()
        return out.recording("max", [self]) { g in
            let isMax = Tensor.equal(self, maxima.reshaped(to: kept))
            let ties = isMax.sum(axes: ax, keepDims: true)
            return [isMax * (g.reshaped(to: kept) / ties)]
        }
    }

    /// Minimum over `axes`: `-max(-x)`.
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        -(-self).max(axes: axes, keepDims: keepDims)
    }

    /// Variance over `axes`, unbiased (divides by n - 1) by default as in PyTorch.
    public func variance(axes: [Int]? = nil, unbiased: Bool = true, keepDims: Bool = false) -> Tensor {
        let ax = normalizedAxes(axes, op: "var")
        let n = ax.reduce(1) { $0 * shape[$1] }
        let centered = self - mean(axes: ax, keepDims: true)
        return centered.squared().sum(axes: ax, keepDims: keepDims) / Float(unbiased ? n - 1 : n)
    }

    /// Index of the maximum along the last axis, per row (no gradient).
    public func argmaxLastAxis() -> [Int] {
        let v = scalars
        let n = shape.last ?? 1
        return stride(from: 0, to: v.count, by: n).map { start in
            var best = start
            for i in start..<(start + n) where v[i] > v[best] { best = i }
            return best - start
        }
    }

    /// The class map of per-pixel scores `[N, K, H, W]`: for each pixel, in `(n, y, x)` row-major
    /// order, the channel with the highest score (the first on ties; no gradient).
    public func argmaxChannels() -> [Int] {
        require(rank == 4, "[argmax_channels] input must be [N, K, H, W], got \(shape)")
        let k = shape[1], pixels = shape[0] * shape[2] * shape[3]
        // Channels-last memory holds each pixel's K scores side by side, in (n, y, x) order.
        let p = buffer.pointer
        return (0..<pixels).map { pixel in
            let row = p + pixel * k
            var best = 0
            for c in 1..<Swift.max(k, 1) where row[c] > row[best] { best = c }
            return best
        }
    }
}
