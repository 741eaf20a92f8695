import FunnelTensor

/// Maxout over `pieces` learned 1x1 projections: `y_c = max_k (W_k x + b_k)_c` (Goodfellow et al. 2013),
/// a channel-preserving drop-in. Adds `pieces * (C² + C)` parameters.
public final class Maxout: Module {
    public let projection: Conv2d
    public let pieces: Int

    public init(channels: Int, pieces: Int) {
        self.pieces = pieces
        projection = Conv2d(channels, channels * pieces, kernel: 1)
    }

    public override func forward(_ x: Tensor) -> Tensor {
        let c = x.shape[1]
        let z = projection(x)
        var y = z.sliced(axis: 1, 0..<c)
        for k in 1..<pieces { y = Tensor.maximum(y, z.sliced(axis: 1, (k * c)..<((k + 1) * c))) }
        return y
    }
}
