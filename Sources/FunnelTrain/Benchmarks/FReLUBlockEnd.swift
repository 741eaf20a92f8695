import FunnelKernels
import FunnelTensor

extension OpsBenchmark {
    /// FReLU at a residual block's end, `funnel(norm(z) + residual)` in training, as a step runs it:
    /// the funnel op with the batch norm and the addition inside its passes (`seconds`) against the
    /// norm and addition as an op of their own followed by the funnel op (`primitiveSeconds`). Each
    /// is timed at the tensor level, forward (recording, as in a step) and backward to every input
    /// and parameter, so the figures are the step's, allocations and bookkeeping included; the
    /// ratio is the fusion's gain. Without an input norm the kernels are timed by `freluFused`.
    static func freluBlockEnd(_ g: ConvGeometry, timing: PassTiming) -> [Result] {
        let c = g.inChannels, shape = [g.batch, c, g.height, g.width]
        let z = Tensor.uniform(shape, low: -1, high: 1), residual = Tensor.uniform(shape, low: -1, high: 1)
        let gradOut = Tensor.uniform(shape, low: -1, high: 1)
        let convWeight = Tensor.uniform([c, 1, 3, 3], low: -0.3, high: 0.3)
        let bnWeight = Tensor.ones([c]), bnBias = Tensor.zeros([c]), normWeight = Tensor.ones([c]), normBias = Tensor.zeros([c])
        let leaves = [z, residual, convWeight, bnWeight, bnBias, normWeight, normBias]
        for t in leaves { t.requiresGrad = true }

        // Fresh running statistics for every run, so that none drifts across the repeats.
        func fused() -> Tensor {
            let norm = InputNorm(weight: normWeight, bias: normBias, runningMean: Tensor.zeros([c]), runningVar: Tensor.ones([c]))
            return z.funnel(convWeight: convWeight, convBias: nil, bnWeight: bnWeight, bnBias: bnBias, runningMean: Tensor.zeros([c]),
                            runningVar: Tensor.ones([c]), training: true, inputNorm: norm, adding: residual)
        }
        func separate() -> Tensor {
            let x = z.batchNorm(weight: normWeight, bias: normBias, runningMean: Tensor.zeros([c]), runningVar: Tensor.ones([c]),
                                training: true, adding: residual)
            return x.funnel(convWeight: convWeight, convBias: nil, bnWeight: bnWeight, bnBias: bnBias, runningMean: Tensor.zeros([c]),
                            runningVar: Tensor.ones([c]), training: true)
        }
        // Backward from a graph built anew, untimed, each run; gradients start empty (a leaf's
        // second gradient would cost an addition the step does not make).
        func backward(_ graph: () -> Tensor) -> Double {
            timing.seconds(prepare: { () -> Tensor in
                for t in leaves { t.grad = nil }
                return graph()
            }) { y in y.backward(gradOut) }
        }
        let passes = [("forward", timing.seconds { _ = fused() }, timing.seconds { _ = separate() }),
                      ("backward", backward(fused), backward(separate))]
        // FLOPs of the depthwise convolution only, as `freluFused` counts them.
        return passes.map { pass, own, peer in
            Result(op: "frelu3x3 block end", g, pass: pass, passes: pass == "forward" ? 1 : 2, seconds: own, primitiveSeconds: peer,
                   implementation: "funnel vs batch_norm_add + funnel")
        }
    }
}
