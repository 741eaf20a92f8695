import Testing
import FunnelTensor

/// Shared test helpers: the finite-difference gradient check every op and layer goes through.

/// Checks `f`'s analytic gradients against central finite differences.
///
/// The scalar checked is `sum(f(inputs) * probe)` with a fixed random probe, so every output element
/// matters with a different weight. Float32 differences with step `h` need loose-ish tolerances.
/// Where the one-sided differences disagree, a kink (max, ReLU, a sign flip under batch norm) lies
/// within `h` and the central difference means nothing: such elements are skipped, and a check
/// that skips more than `maxSkipped` of an input's elements fails.
public func checkGradients(_ inputs: [Tensor], h: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3, maxSkipped: Double = 0.1,
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
    let base = value()
    for (k, x) in inputs.enumerated() {
        guard let analytic = x.grad?.scalars else {
            Issue.record("input \(k) got no gradient", sourceLocation: sourceLocation); continue
        }
        let l = x.layout
        var skipped = 0
        for i in 0..<x.count {
            // Logical index i -> physical offset.
            var rem = i, offset = 0
            for d in stride(from: x.rank - 1, through: 0, by: -1) { offset += (rem % x.shape[d]) * l.strides[d]; rem /= x.shape[d] }
            let p = x.buffer.pointer + offset
            let saved = p.pointee
            func differences(_ step: Float) -> (forward: Float, backward: Float, central: Float) {
                p.pointee = saved + step; let up = value()
                p.pointee = saved - step; let down = value()
                p.pointee = saved
                return (Float((up - base) / Double(step)), Float((base - down) / Double(step)), Float((up - down) / Double(2 * step)))
            }
            func gap(_ d: (forward: Float, backward: Float, central: Float)) -> Float { Swift.abs(d.forward - d.backward) }
            func tolerance(_ d: (forward: Float, backward: Float, central: Float)) -> Float {
                atol + rtol * Swift.max(Swift.abs(d.forward), Swift.abs(d.backward))
            }
            var d = differences(h)
            // A kink on one side shifts the central difference by half the one-sided gap: a gap within
            // twice the tolerance cannot push a correct gradient out of it. A larger gap is either
            // curvature (it shrinks with the step) or a kink: retry with a quarter step, skip if still kinked.
            if gap(d) > 2 * tolerance(d) {
                let fine = differences(h / 4)
                if gap(fine) > 2 * tolerance(fine) { skipped += 1; continue }
                d = fine
            }
            let numeric = d.central
            let a = analytic[i]
            if Swift.abs(a - numeric) > atol + rtol * Swift.max(Swift.abs(a), Swift.abs(numeric)) {
                Issue.record("input \(k) \(x.shape) element \(i): analytic \(a) vs numeric \(numeric)", sourceLocation: sourceLocation)
                return
            }
        }
        if skipped > 1 && Double(skipped) > maxSkipped * Double(x.count) {
            Issue.record("input \(k) \(x.shape): \(skipped) of \(x.count) elements sit at kinks; the check means little", sourceLocation: sourceLocation)
        }
    }
}

/// Asserts two arrays agree elementwise within `tol`.
public func expectClose(_ a: [Float], _ b: [Float], tol: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, "counts \(a.count) vs \(b.count)", sourceLocation: sourceLocation)
    for (i, (x, y)) in zip(a, b).enumerated() where Swift.abs(x - y) > tol * Swift.max(1, Swift.abs(y)) {
        Issue.record("element \(i): \(x) vs \(y)", sourceLocation: sourceLocation)
        return
    }
}

public func randn(_ shape: [Int], seed: UInt64 = 1, scale: Float = 1) -> Tensor {
    var g = RandomGenerator(seed: seed)
    return Tensor.normal(shape, std: scale, generator: &g)
}
