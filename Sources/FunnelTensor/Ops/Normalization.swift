import FunnelKernels

extension Tensor {
    /// `(x - mean) / sqrt(var + eps)` with mean and biased variance over `axes`.
    /// Composed from tensor ops, so its gradient comes from theirs.
    public func standardized(axes: [Int], eps: Float = 1e-5) -> Tensor {
        let mu = mean(axes: axes, keepDims: true)
        let centered = self - mu
        let variance = centered.squared().mean(axes: axes, keepDims: true)
        return centered / (variance + eps).sqrt()
    }

    /// Per-channel affine `x * weight + bias` for `[N, C, ...]` with `weight`, `bias` of shape `[C]`.
    public func channelAffine(weight: Tensor?, bias: Tensor?) -> Tensor {
        let view = [1, shape[1]] + [Int](repeating: 1, count: rank - 2)
        var y = self
        if let weight { y = y * weight.reshaped(to: view) }
        if let bias { y = y + bias.reshaped(to: view) }
        return y
    }

    /// Group normalisation of `[N, C, H, W]`: statistics per sample over each group of `C / groups`
    /// channels and all positions, then a per-channel affine. `groups == 1` is layer norm over
    /// `(C, H, W)`; `groups == C` is instance norm.
    public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        require(rank == 4 && shape[1] % groups == 0, "[group_norm] shape \(shape) with \(groups) groups")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let normalized: Tensor
        if groups == c {
            normalized = standardized(axes: [2, 3], eps: eps)
        } else if groups == 1 {
            normalized = standardized(axes: [1, 2, 3], eps: eps)
        } else {
            normalized = reshaped(to: [n, groups, c / groups, h, w]).standardized(axes: [2, 3, 4], eps: eps).reshaped(to: shape)
        }
        return normalized.channelAffine(weight: weight, bias: bias)
    }

    /// Layer normalisation over the trailing dims `normalizedShape`, with elementwise affine of that shape.
    public func layerNorm(normalizedShape: [Int], weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        require(Array(shape.suffix(normalizedShape.count)) == normalizedShape,
                     "[layer_norm] input \(shape) does not end with normalized shape \(normalizedShape)")
        let axes = Array((rank - normalizedShape.count)..<rank)
        var y = standardized(axes: axes, eps: eps)
        if let weight { y = y * weight }
        if let bias { y = y + bias }
        return y
    }
}
