import Testing
@testable import FunnelTensor

/// Checks `f`'s analytic gradients against central finite differences.
///
/// The scalar checked is `sum(f(inputs) * probe)` with a fixed random probe, so every output element
/// matters with a different weight. Float32 differences with step `h` need loose-ish tolerances.
func checkGradients(_ inputs: [Tensor], h: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3,
                    sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) -> Tensor) {
    for x in inputs { x.requiresGrad = true; x.grad = nil }
    var gen = RandomGenerator(seed: 99)
    let out0 = f(inputs)
    let probe = Tensor.uniform(out0.shape, low: -1, high: 1, generator: &gen)
    let loss = (out0 * probe).sum()
    loss.backward()
    func value() -> Double {
        withoutGrad { Double((f(inputs) * probe).sum().item) }
    }
    for (k, x) in inputs.enumerated() {
        guard let analytic = x.grad?.scalars else {
            Issue.record("input \(k) got no gradient", sourceLocation: sourceLocation); continue
        }
        let l = x.layout
        for i in 0..<x.count {
            // Logical index i -> physical offset.
            var rem = i, offset = 0
            for d in stride(from: x.rank - 1, through: 0, by: -1) { offset += (rem % x.shape[d]) * l.strides[d]; rem /= x.shape[d] }
            let p = x.buffer.pointer + offset
            let saved = p.pointee
            p.pointee = saved + h; let up = value()
            p.pointee = saved - h; let down = value()
            p.pointee = saved
            let numeric = Float((up - down) / Double(2 * h))
            let a = analytic[i]
            if Swift.abs(a - numeric) > atol + rtol * Swift.max(Swift.abs(a), Swift.abs(numeric)) {
                Issue.record("input \(k) \(x.shape) element \(i): analytic \(a) vs numeric \(numeric)", sourceLocation: sourceLocation)
                return
            }
        }
    }
}

/// Asserts two arrays agree elementwise within `tol`.
func expectClose(_ a: [Float], _ b: [Float], tol: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, "counts \(a.count) vs \(b.count)", sourceLocation: sourceLocation)
    for (i, (x, y)) in zip(a, b).enumerated() where Swift.abs(x - y) > tol * Swift.max(1, Swift.abs(y)) {
        Issue.record("element \(i): \(x) vs \(y)", sourceLocation: sourceLocation)
        return
    }
}

func randn(_ shape: [Int], seed: UInt64 = 1, scale: Float = 1) -> Tensor {
    var g = RandomGenerator(seed: seed)
    return Tensor.normal(shape, std: scale, generator: &g)
}
