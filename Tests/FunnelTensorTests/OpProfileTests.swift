import Foundation
import Testing
import FunnelKernels
@testable import FunnelTensor
import FunnelTestSupport

/// `OpProfile` (behind `funnel bench train --profile`): which ops it lists, under which names, with
/// what byte counts, and that the ops a backward rule runs are not taken for forward ops.
@Suite struct OpProfileTests {
    @Test func recordsEachOpOnceWithItsTensorsBytes() {
        let x = randn([2, 3, 6, 6], seed: 1), w = randn([5, 3, 3, 3], seed: 2, scale: 0.3)
        w.requiresGrad = true
        let profile = OpProfile()
        let started = DispatchTime.now().uptimeNanoseconds
        let y = profile.record { () -> Tensor in
            let y = x.conv2d(w, padding: (1, 1)).relu()
            y.mean().backward()
            return y
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9
        let byKey = Dictionary(uniqueKeysWithValues: profile.table.map { ("\($0.op) \($0.pass.rawValue)", $0) })
        let (xs, ws, ys) = (x.count, w.count, y.count)
        // Forward: inputs and output, 4 bytes an element.
        #expect(byKey["conv3x3 3ch forward"]?.bytes == 4 * (xs + ws + ys))
        #expect(byKey["relu forward"]?.bytes == 4 * 2 * ys)
        #expect(byKey["mean forward"]?.bytes == 4 * (ys + 1))
        // Backward: the output's gradient, the inputs and the gradients returned (x needs none).
        #expect(byKey["conv3x3 3ch backward"]?.bytes == 4 * (ys + xs + ws + ws))
        #expect(byKey["relu backward"]?.bytes == 4 * (ys + ys + ys))
        // One call each of the forward ops: the ops run without grad (`mean` reshapes its result
        // inside; backward rules and gradient sums run many) belong to what runs them.
        let forward = profile.table.filter { $0.pass == .forward }
        #expect(Set(forward.map(\.op)) == ["conv3x3 3ch", "relu", "mean"], "\(forward.map(\.op))")
        #expect(forward.allSatisfy { $0.calls == 1 })
        #expect(profile.table.allSatisfy { $0.seconds >= 0 })
        #expect(profile.totalSeconds <= wall)
    }

    /// The funnel op on Funnel's own kernels times its passes, inside its own figures: with an input
    /// norm and a residual (a block's end) five passes, one call each, in the order they run; without
    /// the norm four. The passes' sums stay within the op's forward and backward times.
    @Test(arguments: [true, false])
    func funnelOpTimesItsPassesInsideItsOwnFigure(atABlockEnd: Bool) {
        let (n, c, h, w) = (2, 16, 6, 5)
        let x = randn([n, c, h, w], seed: 3), r = randn([n, c, h, w], seed: 4)
        let weight = randn([c, 1, 3, 3], seed: 5, scale: 0.3), bias = randn([c], seed: 6, scale: 0.1)
        let gamma = Tensor.full([c], 1), beta = Tensor.zeros([c])
        for t in [x, r, weight, bias, gamma, beta] { t.requiresGrad = true }
        let norm = InputNorm(weight: Tensor.full([c], 1), bias: Tensor.zeros([c]), runningMean: Tensor.zeros([c]), runningVar: Tensor.full([c], 1))
        let profile = OpProfile()
        profile.record {
            let y = x.funnel(convWeight: weight, convBias: bias, bnWeight: gamma, bnBias: beta, runningMean: Tensor.zeros([c]),
                             runningVar: Tensor.full([c], 1), training: true, inputNorm: atABlockEnd ? norm : nil,
                             adding: atABlockEnd ? r : nil)
            y.sum().backward()
        }
        let op = "funnel (depthwise3x3 16ch)" + (atABlockEnd ? " + residual" : "")
        let expected = (atABlockEnd ? ["forward: the input norm's moments"] : [])
            + ["forward: t and its moments", "forward: the output", "backward: the sums", "backward: the gradients"]
        #expect(profile.passTable.map(\.name) == expected)
        #expect(profile.passTable.allSatisfy { $0.op == op && $0.calls == 1 && $0.seconds >= 0 })
        expectPassesWithinTheOp(profile, "funnel (depthwise3x3 16ch)")
        // Outside a recording profile nothing is timed.
        _ = x.funnel(convWeight: weight, convBias: bias, bnWeight: gamma, bnBias: beta, runningMean: Tensor.zeros([c]),
                     runningVar: Tensor.full([c], 1), training: true)
        #expect(profile.passTable.count == expected.count && profile.passTable.allSatisfy { $0.calls == 1 })
    }

    /// Batch norm times its four passes the same way: with a residual and a ReLU under
    /// `batch_norm_add_relu 4ch`, without them under `batch_norm 4ch`.
    @Test(arguments: [true, false])
    func batchNormTimesItsPassesInsideItsOwnFigure(atABlockEnd: Bool) {
        let (n, c) = (3, 4)
        let x = randn([n, c, 5, 6], seed: 7), r = randn([n, c, 5, 6], seed: 8)
        let gamma = Tensor.full([c], 1), beta = Tensor.zeros([c])
        for t in [x, r, gamma, beta] { t.requiresGrad = true }
        let profile = OpProfile()
        profile.record {
            x.batchNorm(weight: gamma, bias: beta, runningMean: Tensor.zeros([c]), runningVar: Tensor.full([c], 1), training: true,
                        adding: atABlockEnd ? r : nil, relu: atABlockEnd).sum().backward()
        }
        let kind = atABlockEnd ? "batch_norm_add_relu" : "batch_norm"
        #expect(profile.passTable.map(\.name) == ["forward: the moments", "forward: the output", "backward: the sums", "backward: the gradients"])
        #expect(profile.passTable.allSatisfy { $0.op == "\(kind) 4ch" && $0.calls == 1 && $0.seconds >= 0 })
        expectPassesWithinTheOp(profile, kind)
    }

    /// The forward passes timed add up to no more than the op's forward time, and the backward to
    /// no more than its backward time: they run inside it.
    private func expectPassesWithinTheOp(_ profile: OpProfile, _ op: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for pass in [OpProfile.Pass.forward, .backward] {
            let passes = profile.passTable.filter { $0.name.hasPrefix(pass.rawValue) }.reduce(0) { $0 + $1.seconds }
            let whole = profile.table.first { $0.op == op && $0.pass == pass }?.seconds ?? -1
            #expect(passes <= whole, "\(pass): passes \(passes) s, the op \(whole) s", sourceLocation: sourceLocation)
        }
    }

    @Test func namesConvolutionsByKernelAndChannels() {
        #expect(OpProfile.kind("conv2d", inputShapes: [[8, 16, 32, 32], [16, 16, 3, 3]]) == "conv3x3 16ch")
        #expect(OpProfile.kind("conv2d", inputShapes: [[8, 64, 8, 8], [64, 1, 3, 3]]) == "depthwise3x3 64ch")
        #expect(OpProfile.kind("funnel", inputShapes: [[8, 32, 8, 8], [32, 1, 3, 3], [32], [32]]) == "funnel (depthwise3x3 32ch)")
        #expect(OpProfile.kind("relu", inputShapes: [[8, 16, 32, 32]]) == "relu")
    }

    /// The FMA kernel really runs its chains: its sum matches the closed form of the recurrence
    /// a <- m a + c, a_n = m^n a_0 + c (1 - m^n) / (1 - m), over 12 chains (a_0 = start + k) x 16 lanes.
    @Test func fmaChainsComputeTheRecurrence() {
        let (n, start, m, c) = (5_000, 1.0, 0.999, 0.002)
        let mn = pow(m, Double(n))
        let expected = (0..<12).reduce(0.0) { total, k in total + 16 * (mn * (start + Double(k)) + c * (1 - mn) / (1 - m)) }
        let sum = Double(FMAPeak.chainSum(iterations: n, start: Float(start), multiplier: Float(m), addend: Float(c)))
        #expect(abs(sum - expected) / expected < 1e-3, "\(sum) vs \(expected)")
    }
}
