import FunnelTensor

/// Dynamic ReLU (Chen et al., ECCV 2020): `y_c = max_k (a_c^k(x) * x_c + b_c^k(x))` with
/// coefficients from a hyper function of the whole input:
/// `θ(x) = 2σ(fc2(relu(fc1(GAP(x))))) - 1`, `a^k = α^k + λ_a Δa^k`, `b^k = β^k + λ_b Δb^k`,
/// with α¹ = 1 and α^{k>1} = β^k = 0.
/// - A: coefficients shared by all channels (fc2 gives 2K values);
/// - B: per channel (2KC values, read as `[C, 2K]`: slopes then intercepts, as the PyTorch reference);
/// - C: B's output scaled per position by `π = min(γ softmax_hw(conv1x1(x) / τ), 1)`, γ = HW/3 by default.
///
/// fc2 starts at zero, so θ = 0 and A and B start as ReLU exactly (C as ReLU scaled by π).
/// PyTorch names: `fc1`, `fc2`, and `spatial` (C's 1x1 conv).
public final class DyReLU: Module {
    public enum Variant: String, Sendable { case a, b, c }

    public let variant: Variant, pieces: Int, lambdaA: Float, lambdaB: Float, tau: Float
    /// C's γ; nil means H*W/3 of the input.
    public let gamma: Float?
    /// Use the fused piecewise-linear kernel (the composed tensor-op path is kept for comparison).
    public var fused: Bool
    public var fc1: Linear
    public var fc2: Linear
    public var spatial: Conv2d?

    public init(channels c: Int, variant: Variant = .b, pieces k: Int = 2, reduction r: Int = 4, lambdaA: Float = 1, lambdaB: Float = 0.5,
                gamma: Float? = nil, tau: Float = 10, fused: Bool = true) {
        self.variant = variant; self.pieces = k; self.lambdaA = lambdaA; self.lambdaB = lambdaB
        self.gamma = gamma; self.tau = tau; self.fused = fused
        let hidden = max(1, c / r)
        fc1 = Linear(c, hidden)
        fc2 = Linear(hidden, variant == .a ? 2 * k : 2 * k * c)
        fc2.weight.assign(Tensor.zeros(fc2.weight.shape))
        fc2.bias!.assign(Tensor.zeros([fc2.weight.shape[0]]))
        spatial = variant == .c ? Conv2d(c, 1, kernel: 1) : nil
    }

    /// The hyper function's raw output `[N, C or 1, 2K]`, before `2σ(·) - 1`.
    public func hyper(_ x: Tensor) -> Tensor { hyper(pooled: x.globalAvgPool()) }

    /// The hyper function from the input's average over positions, `[N, C]`.
    private func hyper(pooled: Tensor) -> Tensor {
        fc2(fc1(pooled).relu()).reshaped(to: [pooled.shape[0], variant == .a ? 1 : pooled.shape[1], 2 * pieces])
    }

    /// Whether `self(x, after: norm)` runs the norm inside the activation's passes: variants A
    /// and B with two pieces on the fused kernel, channels in 16-channel blocks, the norm not folded.
    public func fusesNorm(_ norm: BatchNorm, input x: Tensor) -> Bool {
        fused && variant != .c && x.rank == 4 && Tensor.dynamicReLUFusesNorm(channels: x.shape[1], pieces: pieces) && !norm.isFolded
    }

    /// `self(norm(x) + residual)` (`residual` optional), with the norm, the addition and the
    /// hyper function's pooling run inside the activation's passes when `fusesNorm`
    /// (`Tensor.dynamicReLU(after:…)`), else one after another.
    public func callAsFunction(_ x: Tensor, after norm: BatchNorm, adding residual: Tensor? = nil) -> Tensor {
        guard fusesNorm(norm, input: x) else { return residual.map { norm(x, adding: $0, then: self) } ?? self(norm(x)) }
        if norm.isTraining { norm.numBatchesTracked += 1 }
        return x.dynamicReLU(after: InputNorm(norm), training: norm.isTraining, adding: residual, lambdaA: lambdaA, lambdaB: lambdaB,
                             hyper: hyper(pooled:))
    }

    /// Slopes and intercepts `[N, C, K]` for input `x`, composed from tensor ops (the reference path).
    public func coefficients(_ x: Tensor) -> (slopes: Tensor, intercepts: Tensor) {
        let (n, c, k) = (x.shape[0], x.shape[1], pieces)
        let residuals = hyper(x).sigmoid() * 2 - 1
        let scale = [Float](repeating: lambdaA, count: k) + [Float](repeating: lambdaB, count: k)
        var initial = [Float](repeating: 0, count: 2 * k)
        initial[0] = 1
        let coef = residuals * Tensor(shape: [2 * k], scalars: scale) + Tensor(shape: [2 * k], scalars: initial)
        var slopes = coef.sliced(axis: 2, 0..<k), intercepts = coef.sliced(axis: 2, k..<(2 * k))
        if variant == .a {
            slopes = slopes.expanded(to: [n, c, k])
            intercepts = intercepts.expanded(to: [n, c, k])
        }
        return (slopes, intercepts)
    }

    /// DY-ReLU-C's spatial attention `[N, 1, H, W]`.
    public func spatialAttention(_ x: Tensor) -> Tensor {
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let logits = spatial!(x).reshaped(to: [n, h * w]) / tau
        let g = gamma ?? Float(h * w) / 3
        return (logits.softmax(axis: 1) * g).clamped(-Float.greatestFiniteMagnitude, 1).reshaped(to: [n, 1, h, w])
    }

    public override func forward(_ x: Tensor) -> Tensor {
        var y: Tensor
        if fused {
            y = x.dynamicReLU(z: hyper(x), lambdaA: lambdaA, lambdaB: lambdaB)
        } else {
            let (slopes, intercepts) = coefficients(x)
            let (n, c) = (x.shape[0], x.shape[1])
            func piece(_ t: Tensor, _ i: Int) -> Tensor { t.sliced(axis: 2, i..<(i + 1)).reshaped(to: [n, c, 1, 1]) }
            y = x * piece(slopes, 0) + piece(intercepts, 0)
            for i in 1..<pieces { y = Tensor.maximum(y, x * piece(slopes, i) + piece(intercepts, i)) }
        }
        if variant == .c { y = y * spatialAttention(x) }
        return y
    }
}
