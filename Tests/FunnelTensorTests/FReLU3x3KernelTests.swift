import Testing
import FunnelKernels
@testable import FunnelTensor
import FunnelTestSupport

/// FReLU's own 3x3 kernels against the oneDNN convolution behind `conv2d` and its autograd, with the
/// batch-norm and max passes of `FReLUKernel` (the path of other windows) around it.
@Suite struct FReLU3x3KernelTests {
    /// 32 channels (two 16-lane blocks) on maps with interior positions, single rows, columns and
    /// pixels, and one large enough (65 image rows of 64 x 32 floats) that two threads split it in
    /// the middle of an image; 144 channels take the position-by-position loops of wide tensors.
    /// Channel 0's kernel is the identity and its batch norm `a = 1, b = 0`, so every element ties
    /// (`a t + b == x`) and the gradient is shared. Sizes: batch, height, width, channels.
    @Test(arguments: [[2, 5, 7, 32], [1, 1, 1, 32], [3, 1, 6, 32], [2, 6, 1, 32], [5, 13, 64, 32], [2, 4, 5, 144], [1, 1, 2, 144], [4, 8, 8, 256], [2, 4, 4, 2048]])
    func matchesTheConvolutionAndThePassesAroundIt(size: [Int]) {
        let (n, h, w, c) = (size[0], size[1], size[2], size[3])
        let shape = DepthwiseShape(batch: n, channels: c, height: h, width: w, kh: 3, kw: 3)
        let rows = n * h * w
        let x = randn([n, c, h, w], seed: 11), weight = randn([c, 1, 3, 3], seed: 12, scale: 0.5), bias = randn([c], seed: 13)
        for tap in 0..<9 { weight.buffer.pointer[tap] = tap == 4 ? 1 : 0 }
        bias.buffer.pointer[0] = 0
        for p in [x, weight, bias] { p.requiresGrad = true }
        let t = x.conv2d(weight, bias: bias, padding: (1, 1), groups: c)  // channels-last in memory, as the kernels read

        // Forward: t and its moments, then max(x, a t + b).
        let mean = Buffer(count: c), variance = Buffer(count: c), ownT = Tensor(uninitialized: x.shape)
        FReLU3x3Kernel.convolution(shape, x: x.buffer.pointer, weight: weight.buffer.pointer, bias: bias.buffer.pointer,
                                   t: ownT.buffer.pointer, moments: (mean.pointer, variance.pointer))
        expectClose(ownT.scalars, t.scalars, tol: 1e-5)
        let expectedMean = Buffer(count: c), expectedVariance = Buffer(count: c)
        BatchNormKernel.moments(t.buffer.pointer, rows: rows, channels: c, mean: expectedMean.pointer, variance: expectedVariance.pointer)
        expectClose(Array(UnsafeBufferPointer(start: mean.pointer, count: c)), Array(UnsafeBufferPointer(start: expectedMean.pointer, count: c)), tol: 1e-5)
        expectClose(Array(UnsafeBufferPointer(start: variance.pointer, count: c)), Array(UnsafeBufferPointer(start: expectedVariance.pointer, count: c)), tol: 1e-5)

        var k = (0..<6).map { randn([c], seed: UInt64(40 + $0), scale: 0.5).scalars }
        k[2] = (0..<c).map { mean.pointer[$0] }
        k[3] = (0..<c).map { 1 / (variance.pointer[$0] + 1e-5).squareRoot() }
        k[0][0] = 1; k[1][0] = 0
        let constants = k.map { Tensor(shape: [c], scalars: $0) }
        let p = constants.map { UnsafePointer($0.buffer.pointer) }
        let y = Tensor(uninitialized: x.shape), expectedY = Tensor(uninitialized: x.shape)
        FReLU3x3Kernel.output(shape, x: x.buffer.pointer, t: t.buffer.pointer, scale: p[0], shift: p[1], y: y.buffer.pointer)
        FReLUKernel.maxAffine(x: x.buffer.pointer, t: t.buffer.pointer, scale: p[0], shift: p[1], y: expectedY.buffer.pointer, rows: rows, channels: c)
        expectClose(y.scalars, expectedY.scalars, tol: 1e-5)

        // Backward: the sums, the split written out, then the convolution's backward by oneDNN.
        let g = randn(x.shape, seed: 14)
        let coefficients = FReLU3x3Kernel.BackwardCoefficients(scale: p[0], shift: p[1], mean: p[2], invStd: p[3], centerG: p[4], centerGTHat: p[5])
        let sums = Buffer(count: 2 * c), expectedSums = Buffer(count: 2 * c)
        FReLU3x3Kernel.backwardSums(shape, g: g.buffer.pointer, x: x.buffer.pointer, t: t.buffer.pointer, coefficients,
                                    sumG: sums.pointer, sumGTHat: sums.pointer + c)
        FReLUKernel.backwardSums(g: g.buffer.pointer, x: x.buffer.pointer, t: t.buffer.pointer, scale: p[0], shift: p[1], mean: p[2], invStd: p[3],
                                 rows: rows, channels: c, sumG: expectedSums.pointer, sumGTHat: expectedSums.pointer + c)
        expectClose(Array(UnsafeBufferPointer(start: sums.pointer, count: 2 * c)), Array(UnsafeBufferPointer(start: expectedSums.pointer, count: 2 * c)), tol: 1e-4)

        let gx = Tensor(uninitialized: x.shape), gt = Tensor(uninitialized: x.shape)
        FReLUKernel.backwardSplit(g: g.buffer.pointer, x: x.buffer.pointer, t: t.buffer.pointer, scale: p[0], shift: p[1], mean: p[2],
                                  invStd: p[3], centerG: p[4], centerGTHat: p[5], gx: gx.buffer.pointer, gt: gt.buffer.pointer, rows: rows, channels: c)
        t.backward(gt)
        withBothRegisterBlocks { wide in
            let dx = Tensor(uninitialized: x.shape), dWeight = Tensor(uninitialized: weight.shape), dBias = Tensor(uninitialized: bias.shape)
            FReLU3x3Kernel.backward(shape, g: g.buffer.pointer, x: x.buffer.pointer, t: t.buffer.pointer, weight: weight.buffer.pointer,
                                    coefficients, dx: dx.buffer.pointer, dWeight: dWeight.buffer.pointer, dBias: dBias.buffer.pointer)
            expectClose(dx.scalars, (gx + x.grad!).scalars, tol: 1e-4)
            expectClose(dWeight.scalars, weight.grad!.scalars, tol: 1e-4)
            expectClose(dBias.scalars, bias.grad!.scalars, tol: 1e-4)
            // Without an input gradient the weight gradients are the same.
            let alone = Tensor(uninitialized: weight.shape)
            FReLU3x3Kernel.backward(shape, g: g.buffer.pointer, x: x.buffer.pointer, t: t.buffer.pointer, weight: weight.buffer.pointer,
                                    coefficients, dx: nil, dWeight: alone.buffer.pointer, dBias: nil)
            #expect(alone.scalars == dWeight.scalars, "wide register blocks: \(wide)")
        }
    }

    /// With an input norm (`x = a1 (z - mean1) + β1`, the kernels reading z): the sums of the first
    /// pass give the norm's backward sums `Σ dx` and `Σ dx (z - mean1)` before dx exists
    /// (`FReLUInputNormPartials`), equal to the sums over the dx that the passes without a norm
    /// write for the normalised x (checked against oneDNN above); the second pass writes
    /// `dz = a1 dx - k1 - (z - mean1) k2` and the same weight gradients. Arbitrary centring terms;
    /// the sizes above, so every border case and the wide loops. With a residual added after the
    /// norm (`x = a1 (z - mean1) + β1 + r`, a block's end), the first pass's `t` from z and r is the
    /// convolution of x, and the second pass writes dx itself as r's gradient.
    @Test(arguments: [[2, 5, 7, 32], [1, 1, 1, 32], [3, 1, 6, 32], [2, 6, 1, 32], [5, 13, 64, 32], [2, 4, 5, 144], [1, 1, 2, 144], [4, 8, 8, 256], [2, 4, 4, 2048]],
          [false, true])
    func inputNormSumsFollowFromTheFirstPass(size: [Int], residual: Bool) {
        let (n, h, w, c) = (size[0], size[1], size[2], size[3])
        let shape = DepthwiseShape(batch: n, channels: c, height: h, width: w, kh: 3, kw: 3)
        let z = randn([n, c, h, w], seed: 21, scale: 2) + 0.5
        let normScale = randn([c], seed: 22), normMean = randn([c], seed: 23, scale: 0.3), normShift = randn([c], seed: 24)
        func perChannel(_ v: Tensor) -> Tensor { v.reshaped(to: [1, c, 1, 1]) }
        let centered = z - perChannel(normMean)
        let normalized = centered * perChannel(normScale) + perChannel(normShift)
        let r = residual ? randn([n, c, h, w], seed: 30) : nil, res = r.map { UnsafePointer($0.buffer.pointer) }
        let x = r.map { normalized + $0 } ?? normalized
        let norm = Buffer(packing: [normScale, normMean, normShift].map { UnsafePointer($0.buffer.pointer) }, channels: c)
        let weight = randn([c, 1, 3, 3], seed: 25, scale: 0.5), bias = randn([c], seed: 26)
        let t = x.conv2d(weight, bias: bias, padding: (1, 1), groups: c)
        let tFromZ = Tensor(uninitialized: x.shape)
        FReLU3x3Kernel.convolution(shape, x: z.buffer.pointer, norm: norm.pointer, residual: res, weight: weight.buffer.pointer,
                                   bias: bias.buffer.pointer, t: tFromZ.buffer.pointer, moments: nil)
        expectClose(tFromZ.scalars, t.scalars, tol: 1e-4)
        let mean = Buffer(count: c), variance = Buffer(count: c)
        BatchNormKernel.moments(t.buffer.pointer, rows: n * h * w, channels: c, mean: mean.pointer, variance: variance.pointer)
        var k = (0..<6).map { randn([c], seed: UInt64(50 + $0), scale: 0.5).scalars }
        k[2] = (0..<c).map { mean.pointer[$0] }
        k[3] = (0..<c).map { 1 / (variance.pointer[$0] + 1e-5).squareRoot() }
        let constants = k.map { Tensor(shape: [c], scalars: $0) }
        let p = constants.map { UnsafePointer($0.buffer.pointer) }
        let coefficients = FReLU3x3Kernel.BackwardCoefficients(scale: p[0], shift: p[1], mean: p[2], invStd: p[3], centerG: p[4], centerGTHat: p[5])
        let g = randn(x.shape, seed: 27)

        // Without a norm, on x itself: the sums and dx, written out.
        let sums = Buffer(count: 2 * c), expectedSums = Buffer(count: 2 * c)
        FReLU3x3Kernel.backwardSums(shape, g: g.buffer.pointer, x: x.buffer.pointer, t: t.buffer.pointer, coefficients,
                                    sumG: expectedSums.pointer, sumGTHat: expectedSums.pointer + c)
        let dx = Tensor(uninitialized: x.shape), expectedDWeight = Tensor(uninitialized: weight.shape)
        FReLU3x3Kernel.backward(shape, g: g.buffer.pointer, x: x.buffer.pointer, t: t.buffer.pointer, weight: weight.buffer.pointer,
                                coefficients, dx: dx.buffer.pointer, dWeight: expectedDWeight.buffer.pointer, dBias: nil)
        // Channels-last in memory: element i is channel i % c.
        var sumDx = [Double](repeating: 0, count: c), sumDxCentered = sumDx, scale = sumDx
        let stored = { (v: Tensor) in UnsafeBufferPointer(start: v.buffer.pointer, count: v.count) }
        for (i, (d, zc)) in zip(stored(dx), stored(centered)).enumerated() {
            sumDx[i % c] += Double(d); sumDxCentered[i % c] += Double(d) * Double(zc); scale[i % c] += Swift.abs(Double(d) * Double(zc)) + Swift.abs(Double(d))
        }

        // With the norm, reading z.
        let partials = FReLU3x3Kernel.backwardSums(shape, g: g.buffer.pointer, x: z.buffer.pointer, norm: norm.pointer, residual: res,
                                                   weight: weight.buffer.pointer, t: t.buffer.pointer,
                                                   coefficients, sumG: sums.pointer, sumGTHat: sums.pointer + c)
        expectClose(Array(UnsafeBufferPointer(start: sums.pointer, count: 2 * c)), Array(UnsafeBufferPointer(start: expectedSums.pointer, count: 2 * c)), tol: 1e-4)
        guard let normSums = partials?.normSums(weight: weight.buffer.pointer, scale: p[0], centerG: p[4], centerGTHat: p[5]) else {
            Issue.record("no input norm sums"); return
        }
        for ch in 0..<c {
            // Float terms summed in another order: relative to the sum of their sizes.
            #expect(Swift.abs(normSums.sumDx[ch] - sumDx[ch]) <= 1e-5 * scale[ch] + 1e-6, "channel \(ch): Σ dx \(normSums.sumDx[ch]) vs \(sumDx[ch])")
            #expect(Swift.abs(normSums.sumDxCentered[ch] - sumDxCentered[ch]) <= 1e-5 * scale[ch] + 1e-6,
                    "channel \(ch): Σ dx zc \(normSums.sumDxCentered[ch]) vs \(sumDxCentered[ch])")
        }
        let k1 = randn([c], seed: 28), k2 = randn([c], seed: 29)
        withBothRegisterBlocks { _ in
            let dz = Tensor(uninitialized: x.shape), dWeight = Tensor(uninitialized: weight.shape)
            let dr = r.map { Tensor(uninitialized: $0.shape) }
            FReLU3x3Kernel.backward(shape, g: g.buffer.pointer, x: z.buffer.pointer, norm: norm.pointer, residual: res, t: t.buffer.pointer,
                                    weight: weight.buffer.pointer, coefficients,
                                    normTerms: (UnsafePointer(k1.buffer.pointer), UnsafePointer(k2.buffer.pointer)), dx: dz.buffer.pointer,
                                    dResidual: dr?.buffer.pointer, dWeight: dWeight.buffer.pointer, dBias: nil)
            expectClose(dz.scalars, (dx * perChannel(normScale) - perChannel(k1) - centered * perChannel(k2)).scalars, tol: 1e-4)
            if let dr { expectClose(dr.scalars, dx.scalars, tol: 1e-4) }
            expectClose(dWeight.scalars, expectedDWeight.scalars, tol: 1e-4)
        }
    }

    /// `body` with FReLU's second backward pass sized for 16 vector registers, then for 32, whatever
    /// this CPU has (`TaskSettings.wideRegisterBlocks`).
    private func withBothRegisterBlocks(_ body: (Bool) -> Void) {
        for wide in [false, true] { TaskSettings.$wideRegisterBlocks.withValue(wide) { body(wide) } }
    }

    @Test func handlesOnlyWholeBlocksOf3x3() {
        #expect(FReLU3x3Kernel.supports(DepthwiseShape(batch: 1, channels: 48, height: 4, width: 4, kh: 3, kw: 3)))
        #expect(!FReLU3x3Kernel.supports(DepthwiseShape(batch: 1, channels: 20, height: 4, width: 4, kh: 3, kw: 3)))
        #expect(!FReLU3x3Kernel.supports(DepthwiseShape(batch: 1, channels: 16, height: 4, width: 4, kh: 5, kw: 5)))
    }
}
