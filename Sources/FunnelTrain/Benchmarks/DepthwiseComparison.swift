import FunnelKernels

extension OpsBenchmark {
    /// FReLU's fused depthwise kernels against the oneDNN sequence they replace, on one depthwise
    /// geometry they handle: forward = oneDNN convolution + a moments pass; backward = oneDNN
    /// backward-data + backward-weights + adding the data gradient into the max's share.
    /// `seconds` is Funnel's kernel, `primitiveSeconds` the oneDNN sequence (best of `repeats`).
    static func depthwiseFused(_ g: ConvGeometry, _ shape: DepthwiseShape, repeats: Int) -> [Result] {
        let count = g.batch * g.inChannels * g.height * g.width, c = g.inChannels
        let x = Buffer(count: count), gt = Buffer(count: count), t = Buffer(count: count), dx = Buffer(zeros: count)
        let w = Buffer(count: c * 9), dw = Buffer(count: w.count), bias = Buffer(zeros: c), db = Buffer(count: c)
        let mean = Buffer(count: c), variance = Buffer(count: c)
        for i in 0..<count { x.pointer[i] = Float(i % 13) / 13 - 0.5; gt.pointer[i] = Float(i % 7) / 7 - 0.5 }
        for i in 0..<w.count { w.pointer[i] = Float(i % 5) / 50 }

        func best(_ body: () -> Void) -> Double { (0...repeats).map { _ in measureSeconds(body) }.min()! }
        let ownForward = best {
            DepthwiseKernel.forward(shape, x: x.pointer, weight: w.pointer, bias: bias.pointer, t: t.pointer, moments: (mean.pointer, variance.pointer))
        }
        let dnnlForward = best {
            Convolution.forward(g, src: x.pointer, weight: w.pointer, bias: bias.pointer, dst: t.pointer)
            FReLUKernel.channelMoments(t.pointer, rows: count / c, channels: c, mean: mean.pointer, variance: variance.pointer)
        }
        let ownBackward = best {
            DepthwiseKernel.backward(shape, x: x.pointer, gt: gt.pointer, weight: w.pointer, dx: dx.pointer, dWeight: dw.pointer, dBias: db.pointer)
        }
        let dnnlBackward = best {
            Convolution.backwardWeights(g, src: x.pointer, diffDst: gt.pointer, diffWeight: dw.pointer, diffBias: db.pointer)
            let dxConv = Buffer(count: count)
            Convolution.backwardData(g, diffDst: gt.pointer, weight: w.pointer, diffSrc: dxConv.pointer)
            FReLUKernel.accumulate(dxConv.pointer, into: dx.pointer, count: count)
        }
        let macs = Double(g.macs)
        return [("forward+moments", ownForward, dnnlForward, 2 * macs), ("backward+accumulate", ownBackward, dnnlBackward, 4 * macs)].map {
            Result(op: "depthwise_fused3x3", shape: g.description, pass: $0.0, seconds: $0.1, gflops: $0.3 / $0.1 * 1e-9,
                   primitiveSeconds: $0.2, overhead: $0.1 / $0.2 - 1, implementation: "funnel vs \(Convolution.implementation(g)) + passes")
        }
    }
}
