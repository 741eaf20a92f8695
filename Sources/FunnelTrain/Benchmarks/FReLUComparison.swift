import FunnelKernels

extension OpsBenchmark {
    /// FReLU's 3x3 kernels (`FReLU3x3Kernel`) against the oneDNN sequence they replace, on one
    /// geometry they handle, batch norm in training mode:
    /// forward = oneDNN convolution + a moments pass + the max pass;
    /// backward = the sums pass + the split pass (writing `gx`, `gt`) + oneDNN backward-data +
    /// backward-weights + adding the data gradient into `gx`.
    /// `seconds` is Funnel's kernels, `primitiveSeconds` the oneDNN sequence, both timed by `timing`.
    static func freluFused(_ g: ConvGeometry, _ shape: DepthwiseShape, timing: PassTiming) -> [Result] {
        let count = g.batch * g.inChannels * g.height * g.width, c = g.inChannels, rows = count / c
        let x = Buffer(count: count), grad = Buffer(count: count), t = Buffer(count: count), y = Buffer(count: count)
        let dx = Buffer(count: count), gt = Buffer(count: count)
        let w = Buffer(count: c * 9), dw = Buffer(count: w.count), bias = Buffer(zeros: c), db = Buffer(count: c)
        let mean = Buffer(count: c), variance = Buffer(count: c), sumG = Buffer(count: c), sumGTHat = Buffer(count: c)
        let a = Buffer(count: c), b = Buffer(count: c), invStd = Buffer(count: c), centerG = Buffer(zeros: c), centerGTHat = Buffer(zeros: c)
        for i in 0..<count { x.pointer[i] = Float(i % 13) / 13 - 0.5; grad.pointer[i] = Float(i % 7) / 7 - 0.5 }
        for i in 0..<w.count { w.pointer[i] = Float(i % 5) / 50 }
        for i in 0..<c { a.pointer[i] = 1 + Float(i % 3) / 10; b.pointer[i] = Float(i % 4) / 20; invStd.pointer[i] = 2 }
        let k = FReLU3x3Kernel.BackwardCoefficients(scale: a.pointer, shift: b.pointer, mean: mean.pointer, invStd: invStd.pointer,
                                                    centerG: centerG.pointer, centerGTHat: centerGTHat.pointer)

        let ownForward = timing.seconds {
            FReLU3x3Kernel.convolution(shape, x: x.pointer, weight: w.pointer, bias: bias.pointer, t: t.pointer, moments: (mean.pointer, variance.pointer))
            FReLU3x3Kernel.output(shape, x: x.pointer, t: t.pointer, scale: a.pointer, shift: b.pointer, y: y.pointer)
        }
        let dnnlForward = timing.seconds {
            Convolution.forward(g, src: x.pointer, weight: w.pointer, bias: bias.pointer, dst: t.pointer)
            BatchNormKernel.moments(t.pointer, rows: rows, channels: c, mean: mean.pointer, variance: variance.pointer)
            FReLUKernel.maxAffine(x: x.pointer, t: t.pointer, scale: a.pointer, shift: b.pointer, y: y.pointer, rows: rows, channels: c)
        }
        let ownBackward = timing.seconds {
            FReLU3x3Kernel.backwardSums(shape, g: grad.pointer, x: x.pointer, t: t.pointer, k, sumG: sumG.pointer, sumGTHat: sumGTHat.pointer)
            FReLU3x3Kernel.backward(shape, g: grad.pointer, x: x.pointer, t: t.pointer, weight: w.pointer, k,
                                    dx: dx.pointer, dWeight: dw.pointer, dBias: db.pointer)
        }
        let dnnlBackward = timing.seconds {
            FReLUKernel.backwardSums(g: grad.pointer, x: x.pointer, t: t.pointer, scale: a.pointer, shift: b.pointer, mean: mean.pointer,
                                     invStd: invStd.pointer, rows: rows, channels: c, sumG: sumG.pointer, sumGTHat: sumGTHat.pointer)
            FReLUKernel.backwardSplit(g: grad.pointer, x: x.pointer, t: t.pointer, scale: a.pointer, shift: b.pointer, mean: mean.pointer,
                                      invStd: invStd.pointer, centerG: centerG.pointer, centerGTHat: centerGTHat.pointer,
                                      gx: dx.pointer, gt: gt.pointer, rows: rows, channels: c)
            Convolution.backwardWeights(g, src: x.pointer, diffDst: gt.pointer, diffWeight: dw.pointer, diffBias: db.pointer)
            let dxConv = Buffer(count: count)
            Convolution.backwardData(g, diffDst: gt.pointer, weight: w.pointer, diffSrc: dxConv.pointer)
            FReLUKernel.accumulate(dxConv.pointer, into: dx.pointer, count: count)
        }
        // FLOPs of the convolution only (backward: its data and weight gradients).
        return [("forward", ownForward, dnnlForward, 1), ("backward", ownBackward, dnnlBackward, 2)].map {
            Result(op: "frelu3x3", g, pass: $0.0, passes: $0.3, seconds: $0.1, primitiveSeconds: $0.2,
                   implementation: "funnel vs \(Convolution.implementation(g)) + passes")
        }
    }
}
