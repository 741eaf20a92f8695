import FunnelKernels

// Tensors made from scratch: constants, ranges and random draws. The random ones read the
// generator in logical order (see `RandomGenerator`), so a seed fixes every value.

extension Tensor {
    /// Fills a tensor from `values(i)` generated in logical order.
    static func generated(_ shape: [Int], _ fill: (inout [Float]) -> Void) -> Tensor {
        var v = [Float](repeating: 0, count: shape.reduce(1, *))
        fill(&v)
        return Tensor(shape: shape, scalars: v)
    }

    /// Uniform in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, generator: inout RandomGenerator) -> Tensor {
        generated(shape) { v in for i in v.indices { v[i] = low + (high - low) * generator.nextUniform() } }
    }

    /// Normal with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, generator: inout RandomGenerator) -> Tensor {
        generated(shape) { v in
            var i = 0
            while i < v.count {
                let (a, b) = generator.nextNormalPair()
                v[i] = mean + std * a
                if i + 1 < v.count { v[i + 1] = mean + std * b }
                i += 2
            }
        }
    }

    /// Uniform from the default generator.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1) -> Tensor {
        DefaultRandom.with { uniform(shape, low: low, high: high, generator: &$0) }
    }

    /// Normal from the default generator.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1) -> Tensor {
        DefaultRandom.with { normal(shape, mean: mean, std: std, generator: &$0) }
    }

    /// All zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, buffer: Buffer(zeros: shape.reduce(1, *))) }

    /// All ones.
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }

    /// Every element `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        let t = Tensor(uninitialized: shape)
        t.buffer.pointer.update(repeating: value, count: t.count)
        return t
    }

    /// `[start, start + step, ...]` below `end`, as a 1-D tensor.
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) -> Tensor {
        require(step != 0, "[arange] step is 0")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor(shape: [n], scalars: (0..<n).map { start + Float($0) * step })
    }
}
