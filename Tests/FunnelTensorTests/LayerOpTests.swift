import Foundation
import FunnelKernels
import Testing
@testable import FunnelTensor
import FunnelTestSupport

@Suite struct LayerOpTests {
    @Test func batchNormTrainingMatchesHandStatistics() {
        // Channel 0 holds 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3); channel 1 holds 10 everywhere.
        let x = Tensor(shape: [2, 2, 1, 2], scalars: [1, 2, 10, 10, 3, 4, 10, 10])
        let w = Tensor(shape: [2], scalars: [2, 1]), b = Tensor(shape: [2], scalars: [0.5, -1])
        let rm = Tensor.zeros([2]), rv = Tensor.ones([2])
        let y = x.batchNorm(weight: w, bias: b, runningMean: rm, runningVar: rv, training: true, eps: 1e-5)
        let s = Float(1 / (1.25 + 1e-5).squareRoot())
        expectClose(y.scalars, [2 * -1.5 * s + 0.5, 2 * -0.5 * s + 0.5, -1, -1, 2 * 0.5 * s + 0.5, 2 * 1.5 * s + 0.5, -1, -1], tol: 1e-5)
        expectClose(rm.scalars, [0.25, 1.0])
        expectClose(rv.scalars, [0.9 + 0.1 * 5 / 3, 0.9])
    }

    @Test func batchNormEvalUsesRunningStatistics() {
        let x = Tensor(shape: [1, 2, 1, 1], scalars: [3, -1])
        let y = x.batchNorm(weight: Tensor(shape: [2], scalars: [1, 2]), bias: Tensor(shape: [2], scalars: [0, 1]),
                            runningMean: Tensor(shape: [2], scalars: [1, 1]), runningVar: Tensor(shape: [2], scalars: [4, 0.25]),
                            training: false, eps: 0)
        expectClose(y.scalars, [1, 2 * -2 / 0.5 + 1])
    }

    @Test(arguments: [true, false])
    func batchNormGradients(training: Bool) {
        let rm = randn([3], seed: 3, scale: 0.1), rv = Tensor.full([3], 1.5)
        checkGradients([randn([4, 3, 2, 2], seed: 1), randn([3], seed: 2) + 1, randn([3], seed: 4)], h: 1e-2, rtol: 3e-2) {
            // Fresh copies of the running stats each call, so the finite-difference passes do not drift them.
            $0[0].batchNorm(weight: $0[1], bias: $0[2], runningMean: rm.copy(), runningVar: rv.copy(), training: training)
        }
        checkGradients([randn([5, 3], seed: 5), randn([3], seed: 6) + 1, randn([3], seed: 7)], h: 1e-2, rtol: 3e-2) {
            $0[0].batchNorm(weight: $0[1], bias: $0[2], runningMean: rm.copy(), runningVar: rv.copy(), training: training)
        }
    }

    /// Batch norm with its ReLU in one pass (oneDNN's fused ReLU and its mask) against batch norm,
    /// then `relu()`: outputs, running statistics and every gradient, training and eval; and the
    /// fused op's own gradients by finite differences.
    @Test(arguments: [true, false])
    func batchNormWithFusedReLUMatchesBatchNormThenReLU(training: Bool) {
        let x = randn([4, 32, 3, 5], seed: 21), w = randn([32], seed: 22) + 1, b = randn([32], seed: 23, scale: 0.5)
        let (rm1, rv1) = (randn([32], seed: 24, scale: 0.1), Tensor.full([32], 1.5)), (rm2, rv2) = (rm1.copy(), rv1.copy())
        let inputs = [x, w, b], copies = inputs.map { $0.detached() }
        for t in inputs + copies { t.requiresGrad = true }
        let fused = inputs[0].batchNorm(weight: inputs[1], bias: inputs[2], runningMean: rm1, runningVar: rv1, training: training, relu: true)
        let reference = copies[0].batchNorm(weight: copies[1], bias: copies[2], runningMean: rm2, runningVar: rv2, training: training).relu()
        #expect(fused.scalars.contains(0) && fused.scalars.contains { $0 > 0 })
        expectClose(fused.scalars, reference.scalars, tol: 1e-6)
        expectClose(rm1.scalars, rm2.scalars, tol: 1e-7); expectClose(rv1.scalars, rv2.scalars, tol: 1e-7)
        let probe = randn(x.shape, seed: 25)
        (fused * probe).sum().backward(); (reference * probe).sum().backward()
        for (a, r) in zip(inputs, copies) { expectClose(a.grad!.scalars, r.grad!.scalars, tol: 1e-5) }

        let rm = randn([3], seed: 3, scale: 0.1), rv = Tensor.full([3], 1.5)
        checkGradients([randn([4, 3, 2, 2], seed: 1), randn([3], seed: 2) + 1, randn([3], seed: 4)], h: 1e-2, rtol: 3e-2, maxSkipped: 0.2) {
            $0[0].batchNorm(weight: $0[1], bias: $0[2], runningMean: rm.copy(), runningVar: rv.copy(), training: training, relu: true)
        }
    }

    @Test func poolingValues() {
        let x = Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))
        #expect(x.maxPool2d(kernel: (2, 2)).scalars == [5, 7, 13, 15])
        #expect(x.avgPool2d(kernel: (2, 2)).scalars == [2.5, 4.5, 10.5, 12.5])
        // 3x3 stride 1 pad 1 max pool: each output is the max of its clipped neighbourhood.
        #expect(x.maxPool2d(kernel: (3, 3), stride: (1, 1), padding: (1, 1)).scalars.prefix(4) == [5, 6, 7, 7])
        // PyTorch's count_include_pad: corner average over 9 cells of which 4 are real: (0+1+4+5)/9.
        #expect(Swift.abs(x.avgPool2d(kernel: (3, 3), stride: (1, 1), padding: (1, 1)).scalars[0] - 10.0 / 9) < 1e-6)
        #expect(Swift.abs(x.avgPool2d(kernel: (3, 3), stride: (1, 1), padding: (1, 1), countIncludePad: false).scalars[0] - 2.5) < 1e-6)
        expectClose(x.globalAvgPool().scalars, [7.5])
    }

    @Test func poolingGradients() {
        // Distinct values so max pooling has no ties.
        let x = Tensor(shape: [2, 2, 5, 5], scalars: (0..<100).map { Float(($0 * 37) % 100) / 10 })
        checkGradients([x]) { $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        checkGradients([x]) { $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        checkGradients([x]) { $0[0].avgPool2d(kernel: (2, 3), stride: (1, 2), countIncludePad: false) }
        checkGradients([x]) { $0[0].globalAvgPool() }
    }

    @Test func crossEntropyMatchesHandComputation() {
        let logits = Tensor(shape: [2, 3], scalars: [1, 2, 3, 0, 0, 0])
        let lse0 = Foundation.log(Foundation.exp(1.0) + Foundation.exp(2.0) + Foundation.exp(3.0))
        let expected = ((lse0 - 1) + Foundation.log(3.0)) / 2  // labels 0 and 2
        #expect(Swift.abs(Double(logits.crossEntropy(labels: [0, 2]).item) - expected) < 1e-5)
        // Label smoothing 0.1 over 3 classes: target 0.1/3 everywhere plus 0.9 on the label.
        let logp0 = [1.0, 2, 3].map { $0 - lse0 }, logp1 = [Double](repeating: -Foundation.log(3.0), count: 3)
        let smooth = -((0.9 * logp0[0] + logp0.reduce(0, +) * 0.1 / 3) + (0.9 * logp1[2] + logp1.reduce(0, +) * 0.1 / 3)) / 2
        #expect(Swift.abs(Double(logits.crossEntropy(labels: [0, 2], labelSmoothing: 0.1).item) - smooth) < 1e-5)
        checkGradients([randn([4, 5], seed: 1)]) { $0[0].crossEntropy(labels: [0, 4, 2, 2], labelSmoothing: 0.1) }
    }

    @Test func softmaxValuesAndGradients() {
        let x = Tensor(shape: [1, 3], scalars: [0, Float(Foundation.log(2.0)), Float(Foundation.log(5.0))])
        expectClose(x.softmax().scalars, [0.125, 0.25, 0.625])
        expectClose(x.logSoftmax().scalars, [0.125, 0.25, 0.625].map { Float(Foundation.log($0)) })
        checkGradients([randn([3, 4], seed: 2)]) { $0[0].softmax(axis: 1) }
        checkGradients([randn([2, 3, 2, 2], seed: 3)]) { $0[0].logSoftmax(axis: 1) }
    }

    @Test func linearValuesAndGradients() {
        let x = Tensor(shape: [1, 2], scalars: [1, 2])
        let w = Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, 1, 1])
        #expect(x.linear(w, bias: Tensor(shape: [3], scalars: [0.5, 0, -1])).scalars == [1.5, 2, 2])
        checkGradients([randn([4, 5], seed: 4), randn([3, 5], seed: 5), randn([3], seed: 6)]) { $0[0].linear($0[1], bias: $0[2]) }
    }

    /// Both paths of `linear` (Funnel's one-thread kernel for small products: rows in blocks of four
    /// and their tail, one to four vectors a block, padded rows, the weights' gradient turned; oneDNN
    /// above 2^19 multiply-adds) against products summed in Double.
    @Test(arguments: [(128, 16, 4), (128, 4, 64), (128, 8, 128), (128, 16, 256), (5, 33, 7), (3, 200, 17), (20, 3, 100),
                      (7, 20, 48), (128, 64, 10), (64, 128, 128)])
    func linearMatchesDoubleProducts(n: Int, i: Int, o: Int) {
        #expect(InnerProduct.Shape(batch: n, inFeatures: i, outFeatures: o, hasBias: true).isSmall == (n * i * o <= 1 << 19))
        let x = randn([n, i], seed: 1), w = randn([o, i], seed: 2), b = randn([o], seed: 3), g = randn([n, o], seed: 4)
        for t in [x, w, b] { t.requiresGrad = true }
        let y = x.linear(w, bias: b)
        y.backward(g)
        let (xs, ws, gs) = (x.scalars.map(Double.init), w.scalars.map(Double.init), g.scalars.map(Double.init))
        var expectY = [Float](), expectDX = [Float](), expectDW = [Float](), expectDB = [Float]()
        for r in 0..<n {
            for c in 0..<o { expectY.append(Float((0..<i).reduce(Double(b.scalars[c])) { $0 + xs[r * i + $1] * ws[c * i + $1] })) }
            for c in 0..<i { expectDX.append(Float((0..<o).reduce(0) { $0 + gs[r * o + $1] * ws[$1 * i + c] })) }
        }
        for r in 0..<o {
            for c in 0..<i { expectDW.append(Float((0..<n).reduce(0) { $0 + gs[$1 * o + r] * xs[$1 * i + c] })) }
            expectDB.append(Float((0..<n).reduce(0) { $0 + gs[$1 * o + r] }))
        }
        expectClose(y.scalars, expectY, tol: 1e-4)
        expectClose(x.grad!.scalars, expectDX, tol: 1e-4)
        expectClose(w.grad!.scalars, expectDW, tol: 1e-4)
        expectClose(b.grad!.scalars, expectDB, tol: 1e-4)
    }

    @Test func normalizationLayers() {
        let x = randn([2, 4, 3, 3], seed: 7)
        // Group norm with 1 group equals standardising each sample over (C, H, W).
        let y = x.groupNorm(groups: 1, weight: nil, bias: nil)
        let m = y.mean(axes: [1, 2, 3]).scalars, v = y.variance(axes: [1, 2, 3], unbiased: false).scalars
        #expect(m.allSatisfy { Swift.abs($0) < 1e-5 } && v.allSatisfy { Swift.abs($0 - 1) < 1e-3 })
        let inst = x.groupNorm(groups: 4, weight: nil, bias: nil).variance(axes: [2, 3], unbiased: false).scalars
        #expect(inst.allSatisfy { Swift.abs($0 - 1) < 1e-3 })
        let w = randn([4], seed: 8), b = randn([4], seed: 9)
        checkGradients([x, w, b], rtol: 3e-2) { $0[0].groupNorm(groups: 2, weight: $0[1], bias: $0[2]) }
        checkGradients([x, w, b], rtol: 3e-2) { $0[0].groupNorm(groups: 4, weight: $0[1], bias: $0[2]) }
        checkGradients([randn([3, 5], seed: 10), randn([5], seed: 11), randn([5], seed: 12)], rtol: 3e-2) {
            $0[0].layerNorm(normalizedShape: [5], weight: $0[1], bias: $0[2])
        }
    }

    @Test func dropoutKeepsExpectationAndIsSeeded() {
        var g1 = RandomGenerator(seed: 3), g2 = RandomGenerator(seed: 3)
        let x = Tensor.ones([10000])
        let a = x.dropout(p: 0.3, generator: &g1).scalars, b = x.dropout(p: 0.3, generator: &g2).scalars
        #expect(a == b)
        let kept = a.filter { $0 != 0 }
        #expect(kept.allSatisfy { Swift.abs($0 - 1 / 0.7) < 1e-6 })
        #expect(Swift.abs(Float(kept.count) / 10000 - 0.7) < 0.02)
    }

    @Test func gradientCheckerCatchesAWrongRule() {
        // A deliberately wrong backward (2x instead of 3x) must be reported.
        let x = randn([3], seed: 1)
        withKnownIssue {
            checkGradients([x]) { t in
                let out = withoutGrad { t[0] * 3 }
                return out.recording("wrong", [t[0]]) { g in [g * 2] }
            }
        }
    }

    @Test func primitivesAreCachedPerShape() {
        // A shape no other test uses, so tests running alongside cannot change the count.
        let x = randn([2, 3, 6, 7], seed: 2), w = randn([5, 3, 3, 3], seed: 3)
        let geometry = ConvGeometry(batch: 2, inChannels: 3, height: 6, width: 7, outChannels: 5, kh: 3, kw: 3, padH: 1, padW: 1).description
        #expect(cachedPrimitiveCount(containing: geometry) == 0)
        _ = x.conv2d(w, padding: (1, 1))
        let afterFirst = cachedPrimitiveCount(containing: geometry)
        #expect(afterFirst >= 1)
        for _ in 0..<3 { _ = x.conv2d(w, padding: (1, 1)) }
        #expect(cachedPrimitiveCount(containing: geometry) == afterFirst)
    }
}
