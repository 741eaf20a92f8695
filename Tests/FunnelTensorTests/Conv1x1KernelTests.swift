import Testing
@testable import FunnelTensor
import FunnelKernels
import FunnelTestSupport

/// Funnel's own 1x1 stride-2 convolution (`conv1x1.c`, `ConvGeometry.runsOnOwnPointwiseKernel`), a
/// ResNet's projection shortcut, against sums in double precision: the output, the input gradient
/// (zero at the pixels no output reads) and the weight gradient; odd sizes (rows that end inside a
/// block of 8 pixels), one and two blocks of 16 channels each way, more samples than the batch has
/// pieces.
@Suite(.ownDirectKernels) struct Conv1x1KernelTests {
    /// Index of `[N, C, H, W]` element (b, c, y, x).
    func at(_ b: Int, _ c: Int, _ y: Int, _ x: Int, _ shape: [Int]) -> Int { ((b * shape[1] + c) * shape[2] + y) * shape[3] + x }

    // (batch, in, height, width, out)
    @Test(arguments: [(2, 16, 32, 32, 32), (3, 32, 5, 7, 64), (2, 16, 9, 20, 16), (18, 64, 3, 4, 128), (1, 32, 1, 1, 32)])
    func passesMatchTheSumsInDouble(n: Int, c: Int, h: Int, w: Int, o: Int) throws {
        let g = ConvGeometry(batch: n, inChannels: c, height: h, width: w, outChannels: o, kh: 1, kw: 1, strideH: 2, strideW: 2,
                             padH: 0, padW: 0)
        #expect(g.runsOnOwnPointwiseKernel && Convolution.implementation(g) == "funnel:conv1x1", "\(g) should run on Funnel's kernel")
        let x = randn([n, c, h, w], seed: 100), weight = randn([o, c, 1, 1], seed: 101, scale: 0.3)
        let (oh, ow) = (g.outHeight, g.outWidth), dy = randn([n, o, oh, ow], seed: 102)
        x.requiresGrad = true; weight.requiresGrad = true
        let y = x.conv2d(weight, stride: (2, 2))
        y.backward(dy)
        let (xs, ws, dys) = (x.scalars, weight.scalars, dy.scalars)
        var out = [Double](repeating: 0, count: n * o * oh * ow), dx = [Double](repeating: 0, count: xs.count)
        var dw = [Double](repeating: 0, count: ws.count)
        for b in 0..<n { for k in 0..<o { for oy in 0..<oh { for ox in 0..<ow {
            let d = Double(dys[at(b, k, oy, ox, dy.shape)])
            for i in 0..<c {
                let xi = at(b, i, 2 * oy, 2 * ox, x.shape)
                out[at(b, k, oy, ox, dy.shape)] += Double(xs[xi]) * Double(ws[k * c + i])
                dx[xi] += d * Double(ws[k * c + i])
                dw[k * c + i] += d * Double(xs[xi])
            }
        } } } }
        for (name, actual, expected) in [("output", y.scalars, out), ("input gradient", try #require(x.grad).scalars, dx),
                                         ("weight gradient", try #require(weight.grad).scalars, dw)] {
            let scale = expected.map(abs).max() ?? 1
            let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst <= 1e-5 * scale, "\(name): largest difference \(worst) of \(scale)")
        }
        // The input pixels no output reads get exactly zero.
        let dxs = try #require(x.grad).scalars
        #expect((0..<n).allSatisfy { b in (0..<h).allSatisfy { yy in (0..<w).allSatisfy { xx in
            (yy % 2 == 0 && xx % 2 == 0) || dxs[at(b, 0, yy, xx, x.shape)] == 0 } } })
    }

    /// Shapes it was not measured on keep oneDNN: stride 1, padding, bias, channels not in 16s,
    /// wide inputs; and the onednn setting turns it off.
    @Test func onlyMeasuredShapesRunOnIt() {
        func geometry(c: Int = 16, o: Int = 32, stride: Int = 2, pad: Int = 0, bias: Bool = false) -> ConvGeometry {
            ConvGeometry(batch: 2, inChannels: c, height: 8, width: 8, outChannels: o, kh: 1, kw: 1, strideH: stride, strideW: stride,
                         padH: pad, padW: pad, hasBias: bias)
        }
        #expect(geometry().runsOnOwnPointwiseKernel && geometry(c: 64, o: 128).runsOnOwnPointwiseKernel)
        for g in [geometry(stride: 1), geometry(pad: 1), geometry(bias: true), geometry(c: 24), geometry(o: 40), geometry(c: 128, o: 256)] {
            #expect(!g.runsOnOwnPointwiseKernel, "\(g)")
        }
        TaskSettings.$convolutionAlgorithm.withValue(.onednn) { #expect(!Convolution.usesOwnPointwiseKernel(geometry())) }
    }

    /// The stride-1 weight gradient (`pointwiseWeightGradientRunsOnOwnKernel`) against the sum in
    /// double: tiles of pixels that end inside a sample and samples inside a tile, 64 + 32 + 16
    /// and 32 + 16 input channels, output channels 6 at a time with 4 or 2 left over, more samples
    /// than the batch has pieces. oneDNN still computes the output and input gradient.
    // (batch, in, height, width, out)
    @Test(arguments: [(2, 112, 28, 28, 64), (3, 48, 28, 29, 80), (1, 256, 28, 28, 32), (17, 16, 28, 28, 16)])
    func strideOneWeightGradientMatchesTheSumInDouble(n: Int, c: Int, h: Int, w: Int, o: Int) throws {
        let g = ConvGeometry(batch: n, inChannels: c, height: h, width: w, outChannels: o, kh: 1, kw: 1, padH: 0, padW: 0)
        #expect(g.pointwiseWeightGradientRunsOnOwnKernel && Convolution.implementation(g, pass: .backwardWeights) == "funnel:conv1x1")
        #expect(!g.runsOnOwnPointwiseKernel && Convolution.implementation(g) != "funnel:conv1x1")
        let x = randn([n, c, h, w], seed: 106), dy = randn([n, o, h, w], seed: 107), weight = randn([o, c, 1, 1], seed: 108, scale: 0.3)
        weight.requiresGrad = true
        x.conv2d(weight).backward(dy)
        let (xs, dys) = (x.scalars, dy.scalars)
        var dw = [Double](repeating: 0, count: o * c)
        for b in 0..<n { for k in 0..<o { for i in 0..<c {
            var sum = 0.0
            for p in 0..<(h * w) { sum += Double(dys[(b * o + k) * h * w + p]) * Double(xs[(b * c + i) * h * w + p]) }
            dw[k * c + i] += sum
        } } }
        let actual = try #require(weight.grad).scalars
        let scale = dw.map(abs).max() ?? 1
        let worst = zip(actual, dw).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst <= 1e-5 * scale, "largest difference \(worst) of \(scale)")
    }

    /// Where the stride-1 weight gradient was measured slower or not at all, oneDNN keeps it.
    @Test func strideOneWeightGradientOnlyOnMeasuredShapes() {
        func geometry(c: Int = 64, o: Int = 256, size: Int = 32, stride: Int = 1, pad: Int = 0, bias: Bool = false) -> ConvGeometry {
            ConvGeometry(batch: 2, inChannels: c, height: size, width: size, outChannels: o, kh: 1, kw: 1, strideH: stride, strideW: stride,
                         padH: pad, padW: pad, hasBias: bias)
        }
        #expect(geometry().pointwiseWeightGradientRunsOnOwnKernel && geometry(c: 256, o: 128).pointwiseWeightGradientRunsOnOwnKernel
                && geometry(c: 128, o: 512, size: 28).pointwiseWeightGradientRunsOnOwnKernel)
        for g in [geometry(size: 16), geometry(c: 1024, o: 256, size: 14), geometry(c: 512, o: 128), geometry(c: 256, o: 1024),
                  geometry(stride: 2), geometry(pad: 1), geometry(bias: true), geometry(c: 24), geometry(o: 40)] {
            #expect(!g.pointwiseWeightGradientRunsOnOwnKernel, "\(g)")
        }
        TaskSettings.$convolutionAlgorithm.withValue(.onednn) { #expect(!Convolution.usesOwnWeightGradient(geometry())) }
    }

    /// The weight gradient's pieces are fixed: one thread and all give the same bits.
    @Test(.enabled(if: DNNLContext.shared.threads > 1)) func weightGradientDoesNotDependOnTheThreadCount() throws {
        let x = randn([20, 32, 6, 5], seed: 103), dy = randn([20, 64, 3, 3], seed: 104)
        func gradient() throws -> [Float] {
            let weight = randn([64, 32, 1, 1], seed: 105, scale: 0.3)
            weight.requiresGrad = true
            x.conv2d(weight, stride: (2, 2)).backward(dy)
            return try #require(weight.grad).scalars
        }
        try expectSameOnOneThread(gradient)
        // And at stride 1.
        let wide = randn([18, 16, 28, 28], seed: 109), wideDy = randn([18, 32, 28, 28], seed: 110)
        func strideOne() throws -> [Float] {
            let weight = randn([32, 16, 1, 1], seed: 111, scale: 0.3)
            weight.requiresGrad = true
            wide.conv2d(weight).backward(wideDy)
            return try #require(weight.grad).scalars
        }
        try expectSameOnOneThread(strideOne)
    }
}
