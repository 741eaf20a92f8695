import Testing
@testable import FunnelTensor
import FunnelTestSupport

/// Batch norm's own kernels (`BatchNormKernel` behind `batchNorm`) against batch norm written out
/// in Double on the logical `[N, C, H, W]` values: outputs, running statistics and every gradient,
/// training and eval, with and without the fused ReLU.
@Suite struct BatchNormKernelTests {
    /// Channels in 16-lane blocks and a remainder (20), 528 channels (the reductions' short row
    /// blocks), rows that two threads split (64 x 8 x 8), and values at 100 with a spread of 0.1,
    /// where Float sums of squares without a shift lose the variance to cancellation.
    @Test(arguments: [([3, 20, 5, 7], 0), ([2, 528, 3, 3], 0), ([64, 16, 8, 8], 0), ([4, 16, 3, 3], 100)] as [([Int], Float)])
    func matchesBatchNormWrittenOutInDouble(shape: [Int], offset: Float) {
        let spread: Float = offset == 0 ? 1 : 0.1
        for training in [true, false] {
            for relu in [false, true] {
                check(shape: shape, x: (randn(shape, seed: 31, scale: spread) + offset).detached(), training: training, relu: relu)
            }
        }
    }

    private func check(shape: [Int], x: Tensor, training: Bool, relu: Bool) {
        let (n, c) = (shape[0], shape[1]), plane = shape[2] * shape[3], count = Double(n * plane)
        let gamma = randn([c], seed: 32) + 1, beta = randn([c], seed: 33, scale: 0.5)
        let runningMean = x.mean(axes: [0, 2, 3]).detached() + randn([c], seed: 34, scale: 0.01), runningVar = Tensor.full([c], 0.8)
        let (rm, rv) = (runningMean.copy(), runningVar.copy())
        for t in [x, gamma, beta] { t.requiresGrad = true }
        let y = x.batchNorm(weight: gamma, bias: beta, runningMean: rm, runningVar: rv, training: training, eps: 1e-5, relu: relu)
        let probe = randn(shape, seed: 36)
        (y * probe).sum().backward()

        let xs = x.scalars.map(Double.init), ps = probe.scalars.map(Double.init)
        let gs = gamma.scalars.map(Double.init), bs = beta.scalars.map(Double.init)
        func at(_ i: Int, _ ch: Int, _ p: Int) -> Int { (i * c + ch) * plane + p }
        var expectedY = [Double](repeating: 0, count: xs.count), expectedDx = expectedY
        var expectedDGamma = [Double](repeating: 0, count: c), expectedDBeta = expectedDGamma
        for ch in 0..<c {
            let values = (0..<n).flatMap { i in (0..<plane).map { xs[at(i, ch, $0)] } }
            let batchMean = values.reduce(0, +) / count
            let batchVar = values.map { ($0 - batchMean) * ($0 - batchMean) }.reduce(0, +) / count
            let mean = training ? batchMean : Double(runningMean.scalars[ch]), variance = training ? batchVar : Double(runningVar.scalars[ch])
            let invStd = 1 / (variance + 1e-5).squareRoot()
            if training {
                expectClose(Double(rm.scalars[ch]), 0.9 * Double(runningMean.scalars[ch]) + 0.1 * batchMean, tolerance: 1e-5)
                expectClose(Double(rv.scalars[ch]), 0.9 * Double(runningVar.scalars[ch]) + 0.1 * batchVar * count / (count - 1), tolerance: 1e-4)
            }
            var passed = [Int: Double]()
            for i in 0..<n {
                for p in 0..<plane {
                    let k = at(i, ch, p), normed = (xs[k] - mean) * invStd, out = gs[ch] * normed + bs[ch]
                    expectedY[k] = relu ? max(out, 0) : out
                    passed[k] = relu && !(out > 0) ? 0 : ps[k]
                }
            }
            let sumG = passed.values.reduce(0, +)
            let sumGNormed = passed.map { $0.value * (xs[$0.key] - mean) * invStd }.reduce(0, +)
            expectedDBeta[ch] = sumG; expectedDGamma[ch] = sumGNormed
            for (k, g) in passed {
                let normed = (xs[k] - mean) * invStd
                expectedDx[k] = gs[ch] * invStd * (training ? g - sumG / count - normed * sumGNormed / count : g)
            }
        }
        expectClose(y.scalars, expectedY.map(Float.init), tol: 2e-4)
        expectClose(x.grad!.scalars, expectedDx.map(Float.init), tol: 2e-3)
        expectClose(gamma.grad!.scalars, expectedDGamma.map(Float.init), tol: 2e-3)
        expectClose(beta.grad!.scalars, expectedDBeta.map(Float.init), tol: 2e-4)
    }

    /// The norm with the residual addition (and ReLU) in its pass against the norm, then `+`, then
    /// `relu()`: outputs, running statistics and the gradients of input, weight, bias and residual.
    @Test(arguments: [true, false])
    func addingAResidualMatchesTheSumAfterTheNorm(training: Bool) {
        for relu in [false, true] {
            let x = randn([3, 20, 4, 5], seed: 41), w = randn([20], seed: 42) + 1, b = randn([20], seed: 43, scale: 0.5)
            let r = randn([3, 20, 4, 5], seed: 44)
            let (rm1, rv1) = (randn([20], seed: 45, scale: 0.1), Tensor.full([20], 1.5)), (rm2, rv2) = (rm1.copy(), rv1.copy())
            let inputs = [x, w, b, r], copies = inputs.map { $0.detached() }
            for t in inputs + copies { t.requiresGrad = true }
            let fused = inputs[0].batchNorm(weight: inputs[1], bias: inputs[2], runningMean: rm1, runningVar: rv1, training: training,
                                            adding: inputs[3], relu: relu)
            let sum = copies[0].batchNorm(weight: copies[1], bias: copies[2], runningMean: rm2, runningVar: rv2, training: training) + copies[3]
            let reference = relu ? sum.relu() : sum
            if relu { #expect(fused.scalars.contains(0) && fused.scalars.contains { $0 > 0 }) }
            expectClose(fused.scalars, reference.scalars, tol: 1e-5)
            expectClose(rm1.scalars, rm2.scalars, tol: 1e-7); expectClose(rv1.scalars, rv2.scalars, tol: 1e-7)
            let probe = randn(x.shape, seed: 46)
            (fused * probe).sum().backward(); (reference * probe).sum().backward()
            for (a, e) in zip(inputs, copies) { expectClose(a.grad!.scalars, e.grad!.scalars, tol: 1e-4) }
        }
    }
}
