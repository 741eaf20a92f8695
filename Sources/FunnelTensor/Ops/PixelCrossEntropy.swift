import FunnelKernels

extension Tensor {
    /// Mean per-pixel cross-entropy of scores `[N, K, H, W]` against a class map, skipping pixels
    /// labelled `ignoreIndex`: PyTorch's `F.cross_entropy(logits, target, ignore_index=255)` with
    /// `reduction="mean"`, which divides by the number of labelled pixels.
    ///
    /// Composed from `logSoftmax` along the channels, a product with a constant one-hot map (zero
    /// at ignored pixels) and a sum, so the backward pass comes from those ops:
    /// `(softmax - onehot) / labelled` at labelled pixels and 0 at ignored ones.
    /// - Parameters:
    ///   - labels: one class per pixel in `(n, y, x)` row-major order, each in `0..<K` or `ignoreIndex`.
    ///   - ignoreIndex: the label of pixels that count for nothing (borders, unknown regions).
    /// - Returns: a 0-d loss; 0 (with zero gradient) when every pixel is ignored, where PyTorch gives NaN.
    public func pixelCrossEntropy(labels: [Int], ignoreIndex: Int = 255) -> Tensor {
        require(rank == 4, "[pixel_cross_entropy] logits must be [N, K, H, W], got \(shape)")
        let (n, k, h, w) = (shape[0], shape[1], shape[2], shape[3])
        require(labels.count == n * h * w, "[pixel_cross_entropy] \(labels.count) labels for \(n)x\(h)x\(w) pixels of logits \(shape)")
        // The one-hot map, built straight in channels-last memory: pixel p's K values sit at p * K.
        let target = Tensor.zeros(shape)
        var labelled = 0
        for (pixel, y) in labels.enumerated() where y != ignoreIndex {
            require(y >= 0 && y < k, "[pixel_cross_entropy] label \(y) at pixel \(pixel) is outside 0..<\(k) and not the ignore index \(ignoreIndex)")
            target.buffer.pointer[pixel * k + y] = 1
            labelled += 1
        }
        return -(logSoftmax(axis: 1) * target).sum() / Float(Swift.max(labelled, 1))
    }
}
