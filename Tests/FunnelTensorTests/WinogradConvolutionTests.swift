import Foundation
import Testing
@testable import FunnelTensor
import FunnelKernels
import FunnelTestSupport

/// Convolutions that run as Winograd (`ConvolutionAlgorithm.auto`) against a convolution summed tap
/// by tap in double precision: output, input, weight and bias gradients.
@Suite struct WinogradConvolutionTests {
    /// A direct 3x3 convolution of NCHW arrays in double: output, and the gradients of Σ y ⊙ dy.
    struct Reference {
        let n, c, h, w, o, pad: Int
        var oh: Int { h + 2 * pad - 2 }
        var ow: Int { w + 2 * pad - 2 }

        /// Calls `body(batch, out channel, in channel, oy, ox, iy, ix, tap)` for every tap inside the image.
        func eachTap(_ body: (Int, Int, Int, Int, Int, Int, Int, Int) -> Void) {
            for b in 0..<n { for k in 0..<o { for i in 0..<c { for oy in 0..<oh { for ox in 0..<ow { for t in 0..<9 {
                let iy = oy - pad + t / 3, ix = ox - pad + t % 3
                if iy >= 0 && iy < h && ix >= 0 && ix < w { body(b, k, i, oy, ox, iy, ix, t) }
            } } } } } }
        }

        func run(x: [Float], weight: [Float], bias: [Float], dy: [Float]) -> (y: [Double], dx: [Double], dw: [Double], db: [Double]) {
            var y = [Double](repeating: 0, count: n * o * oh * ow), dx = [Double](repeating: 0, count: x.count)
            var dw = [Double](repeating: 0, count: weight.count), db = [Double](repeating: 0, count: o)
            for b in 0..<n { for k in 0..<o { for p in 0..<(oh * ow) {
                y[(b * o + k) * oh * ow + p] = Double(bias[k]); db[k] += Double(dy[(b * o + k) * oh * ow + p])
            } } }
            eachTap { b, k, i, oy, ox, iy, ix, t in
                let xi = ((b * c + i) * h + iy) * w + ix, wi = (k * c + i) * 9 + t, yi = ((b * o + k) * oh + oy) * ow + ox
                y[yi] += Double(x[xi]) * Double(weight[wi])
                dx[xi] += Double(dy[yi]) * Double(weight[wi])
                dw[wi] += Double(dy[yi]) * Double(x[xi])
            }
            return (y, dx, dw, db)
        }
    }

    /// Every value within `tolerance` of the largest reference magnitude: Winograd's transforms
    /// round sums of many terms differently from a direct sum, not element by element.
    func expectNear(_ actual: [Float], _ expected: [Double], tolerance: Double, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        let scale = expected.map(abs).max() ?? 1
        let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst <= tolerance * scale, "\(what): largest difference \(worst), \(worst / scale) of the largest value \(scale)",
                sourceLocation: sourceLocation)
    }

    @Test(arguments: [(2, 64, 6, 7, 80, 1), (1, 64, 5, 5, 64, 0), (2, 128, 4, 4, 64, 1)])
    func winogradMatchesTheDirectSum(n: Int, c: Int, h: Int, w: Int, o: Int, pad: Int) throws {
        let reference = Reference(n: n, c: c, h: h, w: w, o: o, pad: pad)
        let g = ConvGeometry(batch: n, inChannels: c, height: h, width: w, outChannels: o, kh: 3, kw: 3, padH: pad, padW: pad, hasBias: true)
        #expect(g.suitsWinograd)
        guard Convolution.usesWinograd(g) else {
            // A CPU without AVX-512: oneDNN has no Winograd kernels, every convolution stays direct.
            print("skipped: oneDNN has no Winograd convolution on this CPU")
            return
        }
        let x = randn([n, c, h, w], seed: 40), weight = randn([o, c, 3, 3], seed: 41, scale: 0.2), bias = randn([o], seed: 42)
        let dy = randn([n, o, reference.oh, reference.ow], seed: 43)
        for t in [x, weight, bias] { t.requiresGrad = true }
        let y = x.conv2d(weight, bias: bias, padding: (pad, pad))
        y.backward(dy)
        let expected = reference.run(x: x.scalars, weight: weight.scalars, bias: bias.scalars, dy: dy.scalars)
        expectNear(y.scalars, expected.y, tolerance: 2e-5, "output")
        expectNear(try #require(x.grad).scalars, expected.dx, tolerance: 2e-5, "input gradient")
        expectNear(try #require(weight.grad).scalars, expected.dw, tolerance: 2e-5, "weight gradient")
        expectNear(try #require(bias.grad).scalars, expected.db, tolerance: 1e-5, "bias gradient")
    }

    /// 64 -> 64 channels on a map past 8x8 without bias (ResNet-18's first stage): Winograd's output
    /// and input gradient beside Funnel's own weight gradient (`weightGradientRunsOnOwnKernel`),
    /// each against the direct sums. 128 channels keep Winograd's weight gradient.
    @Test(.ownDirectKernels) func winogradBesideFunnelsWeightGradientMatchesTheDirectSum() throws {
        let (n, c, h, w) = (2, 64, 9, 10)
        let reference = Reference(n: n, c: c, h: h, w: w, o: c, pad: 1)
        let g = ConvGeometry(batch: n, inChannels: c, height: h, width: w, outChannels: c, kh: 3, kw: 3, padH: 1, padW: 1)
        #expect(Convolution.usesOwnWeightGradient(g) && !Convolution.usesOwnKernel(g) && !Convolution.usesOwnBackward(g))
        let wide = ConvGeometry(batch: n, inChannels: 128, height: h, width: w, outChannels: 128, kh: 3, kw: 3, padH: 1, padW: 1)
        #expect(!Convolution.usesOwnWeightGradient(wide))
        let x = randn([n, c, h, w], seed: 50), weight = randn([c, c, 3, 3], seed: 51, scale: 0.2)
        let dy = randn([n, c, h, w], seed: 52)
        for t in [x, weight] { t.requiresGrad = true }
        let y = x.conv2d(weight, padding: (1, 1))
        y.backward(dy)
        let expected = reference.run(x: x.scalars, weight: weight.scalars, bias: [Float](repeating: 0, count: c), dy: dy.scalars)
        expectNear(y.scalars, expected.y, tolerance: 2e-5, "output")
        expectNear(try #require(x.grad).scalars, expected.dx, tolerance: 2e-5, "input gradient")
        expectNear(try #require(weight.grad).scalars, expected.dw, tolerance: 1e-5, "weight gradient")
    }

    /// A primitive cached by one thread and run by another: oneDNN's own scratchpad would be the
    /// running thread's (none on a new thread), so Funnel hands every primitive its scratch memory.
    /// Before that, this crashed in Winograd's kernel.
    @Test func aConvolutionMadeOnOneThreadRunsOnAnother() throws {
        // 9x9: on smaller maps Funnel's own kernel takes a 64-channel convolution (`runsOnOwnKernel`).
        let x = randn([3, 64, 9, 9], seed: 44), weight = randn([64, 64, 3, 3], seed: 45, scale: 0.1)
        let here = x.conv2d(weight, padding: (1, 1)).scalars
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var there: [Float] = []
        let thread = Thread { there = x.conv2d(weight, padding: (1, 1)).scalars; done.signal() }
        thread.start()
        done.wait()
        #expect(there == here)
    }

    /// `--convolution direct` turns Winograd off for convolutions made from then on, and the direct
    /// result agrees with the Winograd one to rounding. (Set for this test's task alone
    /// (`TaskSettings`): tests running beside it keep the default.)
    @Test func theDirectSettingTurnsWinogradOff() {
        let g = ConvGeometry(batch: 2, inChannels: 64, height: 9, width: 10, outChannels: 64, kh: 3, kw: 3, padH: 1, padW: 1)
        let x = randn([2, 64, 9, 10], seed: 46), weight = randn([64, 64, 3, 3], seed: 47, scale: 0.1)
        let winograd = x.conv2d(weight, padding: (1, 1)).scalars
        let wasWinograd = Convolution.usesWinograd(g)
        let direct = TaskSettings.$convolutionAlgorithm.withValue(.direct) {
            #expect(!Convolution.usesWinograd(g))
            return x.conv2d(weight, padding: (1, 1)).scalars
        }
        let scale = direct.map(abs).max() ?? 1
        let worst = zip(winograd, direct).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 2e-5 * scale, "largest difference \(worst) of \(scale)")
        // Unless this CPU has no Winograd kernels, the two really are different algorithms.
        if wasWinograd { #expect(worst > 0) }
    }

    /// `--convolution onednn` runs on oneDNN what `auto` gives Funnel's own kernel (`conv3x3.c`), and
    /// keeps Winograd, which then also takes the small 64-channel maps the kernel had; `direct` keeps
    /// the kernel off too. The results agree to rounding. (For this test's task alone, as the direct
    /// setting's test.)
    @Test(.ownDirectKernels) func theOneDNNSettingTurnsFunnelsKernelOff() {
        let g = ConvGeometry(batch: 2, inChannels: 32, height: 6, width: 7, outChannels: 32, kh: 3, kw: 3, padH: 1, padW: 1)
        let winograd = ConvGeometry(batch: 2, inChannels: 64, height: 9, width: 10, outChannels: 64, kh: 3, kw: 3, padH: 1, padW: 1)
        let small = ConvGeometry(batch: 2, inChannels: 64, height: 8, width: 8, outChannels: 64, kh: 3, kw: 3, padH: 1, padW: 1)
        let x = randn([2, 32, 6, 7], seed: 48), weight = randn([32, 32, 3, 3], seed: 49, scale: 0.1)
        #expect(Convolution.usesOwnKernel(g) && Convolution.usesOwnWeightGradient(g))
        #expect(Convolution.usesOwnKernel(small) && !Convolution.usesWinograd(small))
        let own = x.conv2d(weight, padding: (1, 1)).scalars
        let wasWinograd = Convolution.usesWinograd(winograd)
        let onednn = TaskSettings.$convolutionAlgorithm.withValue(.onednn) {
            #expect(!Convolution.usesOwnKernel(g) && !Convolution.usesOwnWeightGradient(g) && !Convolution.usesOwnKernel(small))
            #expect(Convolution.usesWinograd(winograd) == wasWinograd && Convolution.usesWinograd(small) == wasWinograd)
            return x.conv2d(weight, padding: (1, 1)).scalars
        }
        let scale = onednn.map(abs).max() ?? 1
        let worst = zip(own, onednn).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-5 * scale, "largest difference \(worst) of \(scale)")
        TaskSettings.$convolutionAlgorithm.withValue(.direct) {
            #expect(!Convolution.usesOwnKernel(g) && !Convolution.usesWinograd(winograd))
        }
        // The process-wide setting is untouched.
        #expect(currentConvolutionAlgorithm == .auto)
    }

    /// The shape rule: convolutions with fewer than 64 channels in or out, strided, dilated, grouped
    /// and 1x1 ones stay direct.
    @Test func onlySuitedShapesRunAsWinograd() {
        func geometry(c: Int = 64, o: Int = 64, k: Int = 3, stride: Int = 1, dilation: Int = 1, groups: Int = 1) -> ConvGeometry {
            ConvGeometry(batch: 2, inChannels: c, height: 8, width: 8, outChannels: o, kh: k, kw: k, strideH: stride, strideW: stride,
                         padH: k / 2, padW: k / 2, dilationH: dilation, dilationW: dilation, groups: groups)
        }
        #expect(geometry().suitsWinograd)
        for g in [geometry(c: 32, o: 32), geometry(o: 32), geometry(c: 72), geometry(k: 1), geometry(stride: 2), geometry(dilation: 2),
                  geometry(groups: 2), geometry(groups: 64)] {
            #expect(!g.suitsWinograd, "\(g)")
            #expect(!Convolution.usesWinograd(g), "\(g)")
        }
    }
}
