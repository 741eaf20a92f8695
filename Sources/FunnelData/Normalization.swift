import FunnelKernels

/// Per-channel normalisation: a byte `v` of channel `c` becomes `(v / 255 - mean[c]) / std[c]`.
///
/// Statistics are on the [0, 1] pixel scale, as torchvision's `Normalize` takes them, and come
/// from the training split only (the test split is normalised with the training statistics).
public struct Normalization: Sendable, Codable, Equatable {
    /// Each channel's mean, on the [0, 1] scale.
    public let mean: [Float]
    /// Each channel's standard deviation, on the [0, 1] scale.
    public let std: [Float]

    /// Normalisation with the given statistics.
    /// - Precondition: as many means as deviations, and every deviation positive.
    public init(mean: [Float], std: [Float]) {
        require(mean.count == std.count && std.allSatisfy { $0 > 0 },
                     "[Normalization] need one positive std per mean, got mean \(mean) and std \(std)")
        self.mean = mean
        self.std = std
    }

    /// The mean and the population standard deviation of each channel over every pixel of
    /// `dataset` (a channel that never varies gets deviation 1, leaving it merely centred).
    ///
    /// Counted exactly from per-channel histograms of the bytes, so the result does not depend on
    /// the order of summation or the number of threads.
    public init(fitting dataset: ImageDataset) {
        let channels = dataset.channels
        let pixelCount = dataset.count * dataset.height * dataset.width
        let histogram = Self.histogram(dataset)
        var mean: [Float] = []
        var std: [Float] = []
        for c in 0..<channels {
            let counts = histogram[c * 256 ..< (c + 1) * 256]
            let n = Double(max(pixelCount, 1))
            let m = zip(0..., counts).reduce(0.0) { $0 + Double($1.0) / 255 * Double($1.1) } / n
            let v = zip(0..., counts).reduce(0.0) { $0 + (Double($1.0) / 255 - m) * (Double($1.0) / 255 - m) * Double($1.1) } / n
            mean.append(Float(m))
            std.append(v > 0 ? Float(v.squareRoot()) : 1)
        }
        self.init(mean: mean, std: std)
    }

    /// Counts of each byte value per channel, at `channel * 256 + value`, counted in fixed chunks
    /// on several threads.
    private static func histogram(_ dataset: ImageDataset) -> [Int] {
        let channels = dataset.channels
        let pixelCount = dataset.count * dataset.height * dataset.width
        let chunks = 8
        let partial = Locked([[Int]](repeating: [Int](repeating: 0, count: 256 * channels), count: chunks))
        dataset.pixels.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return }
            let source = SharedPointer(base: UnsafeMutablePointer(mutating: base))
            parallelChunks(chunks, minimumPerThread: 1) { range in
                for chunk in range {
                    var counts = [Int](repeating: 0, count: 256 * channels)
                    counts.withUnsafeMutableBufferPointer { counts in
                        var pixel = source.base + pixelCount * chunk / chunks * channels
                        let end = source.base + pixelCount * (chunk + 1) / chunks * channels
                        while pixel < end {
                            for c in 0..<channels { counts[c &* 256 &+ Int(pixel[c])] &+= 1 }
                            pixel += channels
                        }
                    }
                    partial.update { $0[chunk] = counts }
                }
            }
        }
        return partial.value.reduce(into: [Int](repeating: 0, count: 256 * channels)) { total, counts in
            for i in total.indices { total[i] += counts[i] }
        }
    }

    /// What byte `value` of channel `channel` becomes.
    public func normalized(_ value: UInt8, channel: Int) -> Float {
        (Float(value) / 255 - mean[channel]) / std[channel]
    }

    /// `normalized(v, channel: c)` at index `c * 256 + v`, so a batch is filled by table lookups.
    var table: [Float] {
        (0..<mean.count).flatMap { c in (0..<256).map { normalized(UInt8($0), channel: c) } }
    }
}
