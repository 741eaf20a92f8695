import Testing
import FunnelTestSupport
@testable import FunnelNN

private final class Block: Module {
    let conv1 = Conv2d(3, 4, kernel: 3, bias: false)
    let bn1 = BatchNorm(4)
    let shortcut = Sequential(Conv2d(3, 4, kernel: 1, bias: false), BatchNorm(4))
    var act1: Module? = LearnableSwish()
    override func forward(_ x: Tensor) -> Tensor { act1!(bn1(conv1(x)) + shortcut(x)) }
}

@Suite struct ModuleTests {
    @Test func namesFollowPyTorch() {
        let b = Block()
        #expect(b.namedParameters.map(\.0) == ["conv1.weight", "bn1.weight", "bn1.bias", "shortcut.0.weight",
                                               "shortcut.1.weight", "shortcut.1.bias", "act1.beta"])
        #expect(b.namedBuffers.map(\.0) == ["bn1.running_mean", "bn1.running_var", "shortcut.1.running_mean", "shortcut.1.running_var"])
        #expect(b.parameterCount == 4 * 3 * 9 + 8 + 12 + 8 + 1)
        #expect(snakeCase("convFrelu") == "conv_frelu" && snakeCase("layer1") == "layer1")
    }

    @Test func modePropagatesAndBatchesAreCounted() {
        let b = Block()
        _ = b(randn([2, 3, 4, 4]))
        #expect((b.bn1.integerBuffers.first?.1) == 1)
        b.setMode(.inference)
        #expect(!b.shortcut.layers[1].isTraining && !b.bn1.isTraining)
        _ = b(randn([2, 3, 4, 4]))
        #expect((b.bn1.integerBuffers.first?.1) == 1)
    }

    @Test func layerGradientsIncludeParameters() {
        // Its own generator: drawn from the process-wide one, the weights depended on which tests
        // ran first, and one draw put a weight's finite difference just outside the tolerance.
        let b = DefaultRandom.seeded(0) { Block() }
        checkGradients([randn([2, 3, 4, 4], seed: 4)] + b.parameters, h: 2e-3, rtol: 3e-2) { b($0[0]) }
    }

    @Test func initializersMatchPyTorchFormulas() {
        var g = RandomGenerator(seed: 1)
        let w = Initializer.kaimingNormalFanOut.make([64, 32, 3, 3], generator: &g)
        // std = sqrt(2 / fan_out) = sqrt(2 / (64 * 9)).
        #expect(Swift.abs(w.variance().sqrt().item - (2.0 / 576).squareRoot()) < 0.003)
        let u = Initializer.pytorchDefault.make([10, 400], generator: &g).scalars
        #expect(u.allSatisfy { Swift.abs($0) <= 0.05 } && u.contains { Swift.abs($0) > 0.045 })
        #expect(fans([16, 3, 3, 3]) == (27, 144))
    }
}

@Suite struct OptimizerTests {
    private func param(_ values: [Float], grad: [Float]) -> Tensor {
        let p = Tensor(shape: [values.count], scalars: values, requiresGrad: true)
        p.grad = Tensor(shape: [grad.count], scalars: grad)
        return p
    }

    @Test func sgdMomentumNesterovWeightDecay() {
        // Two steps by hand: g1 = 1 + 0.1*2 = 1.2; buf = 1.2; p = 2 - 0.5*1.2 = 1.4.
        // g2 = 1 + 0.1*1.4 = 1.14; buf = 0.9*1.2 + 1.14 = 2.22; p = 1.4 - 0.5*2.22 = 0.29.
        let p = param([2], grad: [1])
        let sgd = SGD([("p", p)], learningRate: 0.5, momentum: 0.9, weightDecay: 0.1)
        sgd.step(); sgd.step()
        #expect(Swift.abs(p.item - 0.29) < 1e-6)
        // Nesterov: step 1: d = 1, buf = 1, p = 0 - 0.1*(1 + 0.9) = -0.19.
        let q = param([0], grad: [1])
        let nesterov = SGD([("q", q)], learningRate: 0.1, momentum: 0.9, nesterov: true)
        nesterov.step()
        #expect(Swift.abs(q.item + 0.19) < 1e-6)
    }

    @Test func adamAndAdamWFirstStep() {
        // First Adam step moves by lr * g/|g| (bias-corrected m/sqrt(v) = sign(g)).
        let p = param([1, -1], grad: [0.3, -4])
        Adam([("p", p)], learningRate: 0.01).step()
        expectClose(p.scalars, [0.99, -0.99], tol: 1e-6)
        // AdamW decays first: p = 1 - 0.01*0.1*1 = 0.999, then - 0.01.
        let q = param([1], grad: [2])
        Adam.adamW([("q", q)], learningRate: 0.01, weightDecay: 0.1).step()
        #expect(Swift.abs(q.item - 0.989) < 1e-6)
        // Second step of plain Adam with constant gradient g: m̂ = g, v̂ = g², so again lr * sign(g).
        let r = param([0], grad: [2])
        let adam = Adam([("r", r)], learningRate: 0.1)
        adam.step(); adam.step()
        #expect(Swift.abs(r.item + 0.2) < 1e-5)
    }

    @Test func largeParametersUpdateEveryElementByTheFormula() {
        // Large enough that the update is split across threads (Optimizers.minimumPerThread), with an
        // odd count so the chunks are uneven: every element must follow the scalar formula exactly.
        let n = 3 * Optimizers.minimumPerThread + 5
        let values = (0..<n).map { Float(($0 * 7919) % 1000) / 500 - 1 }, grads = (0..<n).map { Float(($0 * 104_729) % 997) / 400 - 1.2 }
        let (lr, mu, wd): (Float, Float, Float) = (0.05, 0.9, 1e-3)
        let p = param(values, grad: grads)
        let sgd = SGD([("p", p)], learningRate: lr, momentum: mu, weightDecay: wd, nesterov: true)
        sgd.step(); sgd.step()
        var expected = values
        for j in 0..<n {
            var w = values[j], buf: Float = 0
            for step in 0..<2 {
                let d = grads[j] + wd * w
                buf = step == 0 ? d : mu * buf + d
                w -= lr * (d + mu * buf)
            }
            expected[j] = w
        }
        expectSame(p.scalars, expected, "SGD")

        let q = param(values, grad: grads)
        Adam([("q", q)], learningRate: lr, weightDecay: wd).step()
        let c1: Float = 1 - 0.9, c2: Float = 1 - 0.999
        for j in 0..<n {
            let d = grads[j] + wd * values[j], m = 0.9 * 0 + (1 - 0.9) * d, v = 0.999 * 0 + (1 - 0.999) * d * d
            expected[j] = values[j] - lr * (m / c1) / ((v / c2).squareRoot() + 1e-8)
        }
        expectSame(q.scalars, expected, "Adam")
    }

    private func expectSame(_ found: [Float], _ expected: [Float], _ what: String) {
        let wrong = found.indices.filter { found[$0] != expected[$0] }
        #expect(wrong.isEmpty, "\(what): \(wrong.count) of \(found.count) elements differ, first at \(wrong.prefix(3).map { "\($0): \(found[$0]) vs \(expected[$0])" })")
    }

    @Test func stateRoundTripsAndChecksShapes() throws {
        let p = param([1, 2], grad: [1, 1])
        let sgd = SGD([("p", p)], learningRate: 0.1, momentum: 0.9)
        sgd.step()
        let saved = sgd.state()
        #expect(saved["momentum_buffer.p"]?.scalars == [1, 1])
        let other = SGD([("p", p)], learningRate: 0.1, momentum: 0.9)
        try other.load(state: saved)
        #expect(other.state()["momentum_buffer.p"]?.scalars == [1, 1])
        let wrong = SGD([("p", param([1, 2, 3], grad: [0, 0, 0]))], learningRate: 0.1, momentum: 0.9)
        #expect(throws: OptimizerStateError.self) { try wrong.load(state: saved) }
    }

    @Test func gradientClipping() {
        let a = param([0], grad: [3]), b = param([0], grad: [4])
        let norm = clipGradientNorm([a, b], maxNorm: 1)
        #expect(Swift.abs(norm - 5) < 1e-6)
        #expect(Swift.abs(a.grad!.item - 0.6) < 1e-5 && Swift.abs(b.grad!.item - 0.8) < 1e-5)
    }

    @Test func schedules() {
        let multi = MultiStepSchedule(base: 0.1, milestones: [100, 150])
        #expect(multi.learningRate(at: 99) == 0.1)
        #expect(Swift.abs(multi.learningRate(at: 100) - 0.01) < 1e-9 && Swift.abs(multi.learningRate(at: 150) - 0.001) < 1e-9)
        let cosine = CosineSchedule(base: 0.1, totalSteps: 100)
        #expect(cosine.learningRate(at: 0) == 0.1 && Swift.abs(cosine.learningRate(at: 50) - 0.05) < 1e-7 && cosine.learningRate(at: 100) < 1e-9)
        let warm = WarmupSchedule(steps: 10, startFactor: 0, then: cosine)
        #expect(warm.learningRate(at: 0) == 0 && Swift.abs(warm.learningRate(at: 5) - 0.05) < 1e-7 && warm.learningRate(at: 10) == 0.1)
    }
}
