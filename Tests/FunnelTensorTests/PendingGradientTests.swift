import Testing
@testable import FunnelTensor
import FunnelKernels
import FunnelTestSupport

/// A backward rule may take the gradient summed so far for one of its inputs
/// (`takePendingGradient`) and add its own share into it in place; a convolution does so in its
/// own pass (`Convolution.backward(accumulatingData:)`), so a residual block's input gradient needs
/// no separate addition.
@Suite struct PendingGradientTests {
    /// `x` feeds `a`, and the op after it (`end`, which consumes `a` too, so its rule runs first)
    /// leaves its share `2 g` as x's sum; `a`'s rule takes that sum and adds `3 g` into it.
    @Test func aRuleAddsIntoThePendingGradient() throws {
        let x0 = Tensor(shape: [4], scalars: [1, 2, 3, 4], requiresGrad: true)
        let x = x0 * 1  // an op's output: its gradient is summed by the engine
        var handedOver = false
        let a = Tensor.zeros([4]).recording("adds_into_sum", [x]) { g in
            guard let sum = x.takePendingGradient() else { return [g * 3] }
            handedOver = true
            for i in 0..<4 { sum.buffer.pointer[i] += 3 * g.buffer.pointer[i] }
            return [sum]
        }
        let end = Tensor.zeros([4]).recording("end", [a, x]) { g in [g * 1, g * 2] }
        (end * Tensor(shape: [4], scalars: [0.25, 4, -2, 1])).sum().backward()
        #expect(handedOver)
        // d/dx0 = 3 c + 2 c.
        #expect(try #require(x0.grad).scalars == [1.25, 20, -10, 5])
    }

    /// A compact sum (constant along a dim, as a reduction's gradient) is not handed over: the rule
    /// returns its share, which the engine adds with a broadcast.
    @Test func aCompactSumIsNotHandedOver() throws {
        let x0 = Tensor(shape: [4], scalars: [1, 2, 3, 4], requiresGrad: true)
        let x = x0 * 1
        var handedOver = false
        let a = Tensor.zeros([4]).recording("adds_into_sum", [x]) { g in
            if x.takePendingGradient() != nil { handedOver = true }
            return [g * 3]
        }
        let end = Tensor.zeros([4]).recording("end", [a, x]) { g in [g * 1, Tensor(shape: [1], scalars: [5])] }
        (end * Tensor(shape: [4], scalars: [0.25, 4, -2, 1])).sum().backward()
        #expect(!handedOver)
        #expect(try #require(x0.grad).scalars == [5.75, 17, -1, 8])
    }

    /// `diffSrc` prefilled: backward-data through the forward convolution adds the input gradient to
    /// it, 3x3 and 1x1, against the tap-by-tap sum in double precision.
    @Test(arguments: [(2, 16, 6, 5, 16, 3, 3, 1, 1), (1, 5, 4, 7, 3, 3, 3, 1, 1), (2, 24, 3, 4, 40, 1, 1, 0, 0),
                      // Funnel's kernel reading the gradient in place (32 channels, rows of whole blocks).
                      (2, 16, 3, 16, 32, 3, 3, 1, 1), (1, 32, 4, 24, 32, 3, 3, 1, 1)])
    func backwardDataAddsIntoDiffSrc(n: Int, c: Int, h: Int, w: Int, o: Int, kh: Int, kw: Int, padH: Int, padW: Int) {
        let g = ConvGeometry(batch: n, inChannels: c, height: h, width: w, outChannels: o, kh: kh, kw: kw, padH: padH, padW: padW)
        #expect(Convolution.accumulatesData(g))
        let weight = randn([o, c, kh, kw], seed: 71, scale: 0.3), dy = randn([n, o, g.outHeight, g.outWidth], seed: 72)
        let before = randn([n, c, h, w], seed: 73), dx = before.copy()
        Convolution.backward(g, src: nil, diffDst: dy.buffer.pointer, weight: weight.buffer.pointer, diffSrc: dx.buffer.pointer,
                             accumulatingData: true, diffWeight: nil, diffBias: nil)
        let gradient = BackwardDataAsForwardTests().referenceInputGradient(n: n, c: c, h: h, w: w, o: o, kh: kh, kw: kw, padH: padH, padW: padW,
                                                                           weight: weight.scalars, dy: dy.scalars)
        // Both in Tensor's logical order (NCHW).
        let expected = zip(before.scalars, gradient).map { Double($0) + $1 }
        let worst = zip(dx.scalars, expected).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst <= 1e-5 * (expected.map(abs).max() ?? 1), "largest difference \(worst)")
    }

    /// End to end: an input that a convolution and the op after it both consume (a residual
    /// block's input) gets the sum of both shares, the convolution's added in its own pass.
    @Test(arguments: [(2, 16, 6, 5, 16, 3, 3, 1, 1), (2, 24, 3, 4, 40, 1, 1, 0, 0)])
    func aConvolutionsInputGetsBothShares(n: Int, c: Int, h: Int, w: Int, o: Int, kh: Int, kw: Int, padH: Int, padW: Int) throws {
        let g = ConvGeometry(batch: n, inChannels: c, height: h, width: w, outChannels: o, kh: kh, kw: kw, padH: padH, padW: padW)
        let x0 = randn([n, c, h, w], seed: 74), weight = randn([o, c, kh, kw], seed: 75, scale: 0.3)
        let r1 = randn([n, o, g.outHeight, g.outWidth], seed: 76), r2 = randn([n, c, h, w], seed: 77)
        x0.requiresGrad = true
        let x = x0 * 1
        let convolved = x.conv2d(weight, padding: (padH, padW))
        // Consumes the convolution's output and x: its rule runs first and leaves 2 r2 as x's sum.
        let end = Tensor.zeros([1]).recording("end", [convolved, x]) { _ in [r1, r2 * 2] }
        end.backward()
        let gradient = BackwardDataAsForwardTests().referenceInputGradient(n: n, c: c, h: h, w: w, o: o, kh: kh, kw: kw, padH: padH, padW: padW,
                                                                           weight: weight.scalars, dy: r1.scalars)
        let expected = zip(gradient, r2.scalars).map { $0 + 2 * Double($1) }
        let worst = zip(try #require(x0.grad).scalars, expected).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst <= 1e-5 * (expected.map(abs).max() ?? 1), "largest difference \(worst)")
    }
}
