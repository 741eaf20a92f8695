import FunnelKernels

extension Tensor {
    /// Bilinear resize of `[N, C, H, W]` to `[N, C, height, width]` on oneDNN's resampling primitive.
    ///
    /// Semantics of PyTorch's `F.interpolate(x, size=(height, width), mode="bilinear",
    /// align_corners=False)`: output pixel `o` samples the input at `(o + 0.5) * H / height - 0.5`
    /// (half-pixel centres), between its two nearest pixels, clamped at the border; no antialiasing
    /// when shrinking. The backward pass spreads each output gradient over the same taps.
    public func resizedBilinear(height: Int, width: Int) -> Tensor {
        require(rank == 4, "[resize_bilinear] input must be [N, C, H, W], got \(shape)")
        require(height > 0 && width > 0, "[resize_bilinear] output size \(height)x\(width) must be positive")
        if height == shape[2] && width == shape[3] { return self }
        let g = ResampleGeometry(batch: shape[0], channels: shape[1], height: shape[2], width: shape[3], outHeight: height, outWidth: width)
        let out = Tensor(uninitialized: [g.batch, g.channels, height, width])
        Resampling.forward(g, src: buffer.pointer, dst: out.buffer.pointer)
        let inShape = shape
        return out.recording("resize_bilinear", [self]) { grad in
            let dx = Tensor(uninitialized: inShape)
            Resampling.backward(g, diffDst: grad.buffer.pointer, diffSrc: dx.buffer.pointer)
            return [dx]
        }
    }
}
