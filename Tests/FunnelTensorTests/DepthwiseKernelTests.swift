import Testing
import FunnelKernels
@testable import FunnelTensor
import FunnelTestSupport

/// FReLU's own depthwise 3x3 kernels against the oneDNN convolution behind `conv2d` and its autograd.
@Suite struct DepthwiseKernelTests {
    /// 32 channels (two 16-lane blocks); a rectangular map with interior positions, one that is all
    /// border, and a single pixel.
    @Test(arguments: [(5, 7), (2, 3), (1, 1)])
    func matchesConvolutionForwardAndBackward(h: Int, w: Int) {
        let (n, c, kh, kw) = (2, 32, 3, 3)
        let shape = DepthwiseShape(batch: n, channels: c, height: h, width: w, kh: kh, kw: kw)
        let x = randn([n, c, h, w], seed: 11), weight = randn([c, 1, kh, kw], seed: 12, scale: 0.5), bias = randn([c], seed: 13)
        for p in [x, weight, bias] { p.requiresGrad = true }
        let y = x.conv2d(weight, bias: bias, padding: (kh / 2, kw / 2), groups: c)

        let t = Tensor(uninitialized: y.shape)
        let mean = Buffer(count: c), variance = Buffer(count: c)
        DepthwiseKernel.forward(shape, x: x.buffer.pointer, weight: weight.buffer.pointer, bias: bias.buffer.pointer,
                                t: t.buffer.pointer, moments: (mean.pointer, variance.pointer))
        expectClose(t.scalars, y.scalars)
        // Moments from the logical NCHW values, in Double.
        let values: [Double] = y.scalars.map(Double.init)
        let plane = h * w
        for i in 0..<c {
            var channel: [Double] = []
            for b in 0..<n { channel += values[(b * c + i) * plane ..< (b * c + i + 1) * plane] }
            let m: Double = channel.reduce(0, +) / Double(channel.count)
            let v: Double = channel.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(channel.count)
            expectClose([mean.pointer[i], variance.pointer[i]], [Float(m), Float(v)])
        }

        let gt = randn(y.shape, seed: 14), start = randn(x.shape, seed: 15)
        y.backward(gt)
        let dx = start + Tensor.zeros(x.shape)
        let dWeight = Tensor(uninitialized: weight.shape), dBias = Tensor(uninitialized: bias.shape)
        DepthwiseKernel.backward(shape, x: x.buffer.pointer, gt: gt.buffer.pointer, weight: weight.buffer.pointer,
                                 dx: dx.buffer.pointer, dWeight: dWeight.buffer.pointer, dBias: dBias.buffer.pointer)
        // dx is accumulated into: it must hold its start value plus the convolution's input gradient.
        expectClose(dx.scalars, (start + x.grad!).scalars, tol: 1e-4)
        expectClose(dWeight.scalars, weight.grad!.scalars, tol: 1e-4)
        expectClose(dBias.scalars, bias.grad!.scalars, tol: 1e-4)
    }

    @Test func handlesOnlyWholeBlocksOf3x3() {
        #expect(DepthwiseKernel.supports(DepthwiseShape(batch: 1, channels: 48, height: 4, width: 4, kh: 3, kw: 3)))
        #expect(!DepthwiseKernel.supports(DepthwiseShape(batch: 1, channels: 20, height: 4, width: 4, kh: 3, kw: 3)))
        #expect(!DepthwiseKernel.supports(DepthwiseShape(batch: 1, channels: 16, height: 4, width: 4, kh: 5, kw: 5)))
    }

    @Test func backwardWithoutInputGradientStillGivesWeightGradients() {
        let shape = DepthwiseShape(batch: 1, channels: 16, height: 4, width: 4, kh: 3, kw: 3)
        let x = randn([1, 16, 4, 4], seed: 21), weight = randn([16, 1, 3, 3], seed: 22)
        weight.requiresGrad = true
        let y = x.conv2d(weight, padding: (1, 1), groups: 16)
        let gt = randn(y.shape, seed: 23)
        y.backward(gt)
        let dWeight = Tensor(uninitialized: weight.shape)
        DepthwiseKernel.backward(shape, x: x.buffer.pointer, gt: gt.buffer.pointer, weight: weight.buffer.pointer,
                                 dx: nil, dWeight: dWeight.buffer.pointer, dBias: nil)
        expectClose(dWeight.scalars, weight.grad!.scalars, tol: 1e-4)
    }
}
