import FunnelKernels

extension RGBImage {
    /// The image resampled to `width` x `height` with a triangle (bilinear) filter widened by the
    /// scale factor when shrinking, so every source pixel contributes: Pillow's `BILINEAR` and
    /// torchvision's antialiased resize. Rows first, then columns.
    public func resized(width: Int, height: Int) -> RGBImage {
        if width == self.width && height == self.height { return self }
        let horizontal = Self.weights(from: self.width, to: width)
        let vertical = Self.weights(from: self.height, to: height)
        // Intermediate rows in Float, rounded once at the end.
        var rows = [Float](repeating: 0, count: self.height * width * 3)
        for y in 0..<self.height {
            for x in 0..<width {
                let (first, taps) = horizontal[x]
                for c in 0..<3 {
                    var sum: Float = 0
                    for (k, w) in taps.enumerated() { sum += w * Float(pixels[(y * self.width + first + k) * 3 + c]) }
                    rows[(y * width + x) * 3 + c] = sum
                }
            }
        }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let (first, taps) = vertical[y]
            for i in 0..<(width * 3) {
                var sum: Float = 0
                for (k, w) in taps.enumerated() { sum += w * rows[(first + k) * width * 3 + i] }
                out[y * width * 3 + i] = UInt8(min(255, max(0, sum.rounded())))
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    /// For each output position, the first source index and the normalised weights from there:
    /// a triangle of half-width `max(1, scale)` around the output pixel's centre in source
    /// coordinates, as Pillow computes its bilinear coefficients.
    static func weights(from source: Int, to target: Int) -> [(first: Int, taps: [Float])] {
        let scale = Double(source) / Double(target)
        let support = max(1, scale)
        return (0..<target).map { i in
            let centre = (Double(i) + 0.5) * scale
            let first = max(0, Int((centre - support + 0.5).rounded(.down)))
            let last = min(source, Int((centre + support + 0.5).rounded(.down)))
            var taps = (first..<last).map { j in max(0, 1 - abs((Double(j) + 0.5 - centre) / support)) }
            let total = taps.reduce(0, +)
            taps = taps.map { $0 / total }
            return (first, taps.map(Float.init))
        }
    }
}
