import Testing
@testable import FunnelTensor
import FunnelKernels
import FunnelTestSupport

/// Funnel's own 3x3 convolution (`conv3x3.c`, `ConvGeometry.runsOnOwnKernel`) against the output
/// summed tap by tap in double precision: stride 1 and 2, odd sizes, rows that end inside a block of
/// pixels, one, two and three blocks of 16 output channels, the stem's three input channels, and
/// inputs read in place (no zero-bordered copy) with one to three blocks a row; and its weight
/// gradient the same way. Shapes in whole 4x4 tiles at stride 1 run as Winograd
/// (`Winograd4x3KernelTests`), so the stride-1 shapes here have a side that is not.
@Suite(.ownDirectKernels) struct Conv3x3KernelTests {
    // (batch, in, height, width, out, stride)
    @Test(arguments: [(2, 16, 5, 20, 16, 1), (1, 3, 6, 33, 16, 1), (2, 5, 7, 9, 48, 2), (1, 32, 3, 17, 32, 1), (2, 16, 7, 9, 32, 2),
                      (1, 24, 6, 18, 64, 2), (1, 3, 5, 5, 32, 1), (1, 64, 9, 4, 128, 2),
                      // Read in place (32+ input channels, rows of whole blocks): one block a row, three, one image row.
                      (2, 32, 5, 16, 16, 1), (2, 32, 3, 24, 32, 1), (1, 48, 1, 16, 32, 1),
                      // 64 channels on a map of 64 positions or fewer.
                      (2, 64, 5, 8, 64, 1)])
    func outputMatchesTheTapSum(n: Int, c: Int, h: Int, w: Int, o: Int, stride: Int) throws {
        let g = ConvGeometry(batch: n, inChannels: c, height: h, width: w, outChannels: o, kh: 3, kw: 3,
                             strideH: stride, strideW: stride, padH: 1, padW: 1)
        #expect(g.runsOnOwnKernel && !g.runsOnOwnWinograd, "\(g) should run on Funnel's direct kernel")
        expectOutputMatchesTapSum(g, tolerance: 1e-5)
    }

    // (batch, in, height, width, out, stride): 8 and 16 output channels a block, 2 and 3 blocks of 16
    // input channels, more samples than the batch has pieces.
    @Test(arguments: [(3, 32, 5, 9, 32, 1), (2, 48, 7, 6, 64, 2), (18, 32, 4, 3, 16, 1), (1, 64, 6, 6, 128, 2), (2, 32, 5, 7, 32, 2),
                      (1, 32, 1, 1, 16, 1), (2, 16, 5, 9, 16, 1), (2, 16, 6, 7, 32, 2), (2, 64, 5, 8, 64, 1)])
    func weightGradientMatchesTheTapSum(n: Int, c: Int, h: Int, w: Int, o: Int, stride: Int) throws {
        let g = ConvGeometry(batch: n, inChannels: c, height: h, width: w, outChannels: o, kh: 3, kw: 3,
                             strideH: stride, strideW: stride, padH: 1, padW: 1)
        #expect(g.weightGradientRunsOnOwnKernel && !g.runsOnOwnWinograd, "\(g) should run on Funnel's direct kernel")
        try expectWeightGradientMatchesTapSum(g, tolerance: 1e-5)
    }

    /// Both gradients in one pass over the samples (`Convolution.usesOwnBackward`): against the sums
    /// in double, and bit for bit what the two passes give run apart (only the input or only the
    /// weights asking for a gradient), with the input gradient written and added to a residual's share.
    // (batch, in, height, width, out): a zero-bordered copy of each sample's gradient (16 channels,
    // a row ending inside a block), read in place (32, 64), more samples than the batch has pieces.
    @Test(arguments: [(2, 16, 5, 9, 16), (3, 32, 5, 16, 32), (2, 64, 5, 8, 64), (18, 32, 4, 3, 16), (2, 16, 6, 8, 32)])
    func bothGradientsInOnePassMatchTheTapSumsAndThePassesApart(n: Int, c: Int, h: Int, w: Int, o: Int) throws {
        let g = ConvGeometry(batch: n, inChannels: c, height: h, width: w, outChannels: o, kh: 3, kw: 3, padH: 1, padW: 1)
        #expect(Convolution.usesOwnBackward(g) && !g.runsOnOwnWinograd, "\(g) should run both gradients on Funnel's direct kernel")
        try expectBothGradientsMatchTapSumsAndPassesApart(g, tolerance: 1e-5)
    }

    /// The weight gradient's sums run over fixed pieces of the batch, added in order: one compute
    /// thread and all of them give the same bits. (Needs two threads or more to tell.)
    @Test(.enabled(if: DNNLContext.shared.threads > 1)) func weightGradientDoesNotDependOnTheThreadCount() throws {
        let x = randn([20, 32, 6, 5], seed: 85), dy = randn([20, 32, 6, 5], seed: 86)
        func gradient() throws -> [Float] {
            let weight = randn([32, 32, 3, 3], seed: 87, scale: 0.3)
            weight.requiresGrad = true
            x.conv2d(weight, padding: (1, 1)).backward(dy)
            return try #require(weight.grad).scalars
        }
        try expectSameOnOneThread(gradient)
    }

    /// So do both gradients in one pass: its samples are the weight gradient's pieces, split over the threads.
    @Test(.enabled(if: DNNLContext.shared.threads > 1)) func bothGradientsInOnePassDoNotDependOnTheThreadCount() throws {
        let g = ConvGeometry(batch: 20, inChannels: 16, height: 6, width: 8, outChannels: 16, kh: 3, kw: 3, padH: 1, padW: 1)
        #expect(Convolution.usesOwnBackward(g) && !g.runsOnOwnWinograd)
        try expectBothGradientsSameOnOneThread(g, seed: 91)
    }

    /// Shapes measured slower on it than on oneDNN keep oneDNN: wide inputs, 64 channels at stride 1 on
    /// maps past 8x8 that Funnel's Winograd does not take (not in whole 4x4 tiles: oneDNN's Winograd),
    /// and what it does not implement; its weight gradient takes input channels in whole 16s, and 64
    /// channels on maps up to 32x32.
    @Test func onlyMeasuredShapesRunOnIt() {
        func geometry(c: Int = 16, o: Int = 16, size: Int = 8, stride: Int = 1, pad: Int = 1, k: Int = 3, groups: Int = 1,
                      bias: Bool = false) -> ConvGeometry {
            ConvGeometry(batch: 2, inChannels: c, height: size, width: size, outChannels: o, kh: k, kw: k, strideH: stride, strideW: stride,
                         padH: pad, padW: pad, groups: groups, hasBias: bias)
        }
        for g in [geometry(), geometry(c: 32, o: 32), geometry(c: 3, o: 16), geometry(c: 64, o: 128, stride: 2), geometry(c: 64, o: 64)] {
            #expect(g.runsOnOwnKernel, "\(g)")
        }
        for g in [geometry(c: 64, o: 64, size: 18), geometry(c: 3, o: 64, size: 32), geometry(c: 128, o: 256, stride: 2), geometry(o: 24),
                  geometry(pad: 0), geometry(pad: 0, k: 1),
                  geometry(stride: 3), geometry(groups: 2), geometry(bias: true)] {
            #expect(!g.runsOnOwnKernel, "\(g)")
        }
        #expect(geometry().weightGradientRunsOnOwnKernel && geometry(c: 32, o: 32).weightGradientRunsOnOwnKernel
                && geometry(c: 32, o: 64, stride: 2).weightGradientRunsOnOwnKernel)
        // Its weight gradient also takes 64 -> 64 at stride 1 up to 32x32, beside Winograd's other passes.
        #expect(geometry(c: 64, o: 64, size: 16).weightGradientRunsOnOwnKernel && geometry(c: 64, o: 64, size: 32).weightGradientRunsOnOwnKernel)
        #expect(!geometry(c: 3, o: 16).weightGradientRunsOnOwnKernel && !geometry(c: 40, o: 32).weightGradientRunsOnOwnKernel
                && !geometry(c: 64, o: 64, size: 56).weightGradientRunsOnOwnKernel && !geometry(c: 128, o: 128, size: 32).weightGradientRunsOnOwnKernel
                && !geometry(c: 64, o: 64, size: 32, bias: true).weightGradientRunsOnOwnKernel)
    }
}
