import Testing
@testable import FunnelTensor
import FunnelKernels
import FunnelTestSupport

/// Funnel's Winograd F(4x4, 3x3) kernel (`winograd4x3.c`, `ConvGeometry.runsOnOwnWinograd`) against
/// the sums taken tap by tap in double precision, in the three passes: maps of one tile and of
/// several rows of tiles, groups of tiles that end inside a sample or run into the next one (an 8x8
/// map has 4 tiles, a group 8 or 16), a short last group, one to four blocks of 16 channels, and more
/// samples than the weight gradient has pieces. Winograd's transforms are exact in real arithmetic,
/// so only rounding separates it from the sums: the tolerance is 2e-5 of the largest value, as for
/// oneDNN's Winograd kernels (`WinogradConvolutionTests`).
@Suite struct Winograd4x3KernelTests {
    static let tolerance = 2e-5

    // (batch, in, height, width, out): ResNet-20's three stages (smaller batches), one tile, tiles
    // of one sample in two groups with a short last one (3 samples of 12 tiles), 48 outputs (a block
    // of 32 then one of 16), 64 -> 64 on more than 8x8 (ResNet-18's first stage, on a smaller map).
    // Without AVX-512, also 128 -> 128 (ResNet-18's second stage, on a smaller map).
    static let shapes = [(2, 16, 32, 32, 16), (2, 32, 16, 16, 32), (3, 64, 8, 8, 64), (1, 16, 4, 4, 16), (3, 32, 8, 24, 32),
                         (2, 16, 8, 4, 48), (5, 48, 4, 8, 16), (1, 64, 16, 16, 64)]
        + (Convolution.cpuHasWideRegisters ? [] : [(2, 128, 8, 8, 128)])

    static func geometry(_ n: Int, _ c: Int, _ h: Int, _ w: Int, _ o: Int) -> ConvGeometry {
        ConvGeometry(batch: n, inChannels: c, height: h, width: w, outChannels: o, kh: 3, kw: 3, padH: 1, padW: 1)
    }

    @Test(arguments: shapes) func outputMatchesTheTapSum(n: Int, c: Int, h: Int, w: Int, o: Int) {
        let g = Self.geometry(n, c, h, w, o)
        #expect(g.runsOnOwnWinograd && Convolution.implementation(g) == "funnel:winograd4x3", "\(g) should run as Winograd")
        expectOutputMatchesTapSum(g, tolerance: Self.tolerance)
    }

    // With 18 samples the 16 pieces of the batch hold one or two samples each.
    @Test(arguments: shapes + [(18, 16, 8, 8, 32)]) func weightGradientMatchesTheTapSum(n: Int, c: Int, h: Int, w: Int, o: Int) throws {
        let g = Self.geometry(n, c, h, w, o)
        #expect(Convolution.implementation(g, pass: .backwardWeights) == "funnel:winograd4x3", "\(g) should run as Winograd")
        try expectWeightGradientMatchesTapSum(g, tolerance: Self.tolerance)
    }

    /// Both gradients in one pass over the samples, each sample's input gradient before the group of
    /// tiles that reaches it: bit for bit the passes apart, and the sums in double. The one pass
    /// transforms the turned weights straight from the weights (`funnel_winograd4x3_pack_turned`),
    /// the input gradient apart from a turned copy of them (`Convolution.transposedFlipped`).
    @Test(arguments: shapes + [(18, 16, 8, 8, 32)]) func bothGradientsInOnePassMatchTheTapSumsAndThePassesApart(n: Int, c: Int, h: Int, w: Int,
                                                                                                         o: Int) throws {
        let g = Self.geometry(n, c, h, w, o)
        #expect(Convolution.usesOwnBackward(g) && Convolution.implementation(g, pass: .backwardData) == "funnel:winograd4x3",
                "\(g) should run both gradients as Winograd")
        try expectBothGradientsMatchTapSumsAndPassesApart(g, tolerance: Self.tolerance)
    }

    /// The weight gradient's fixed pieces make it independent of the thread count, as the direct kernel's.
    @Test(.enabled(if: DNNLContext.shared.threads > 1)) func gradientsDoNotDependOnTheThreadCount() throws {
        let g = Self.geometry(20, 16, 8, 8, 32)
        #expect(Convolution.usesOwnBackward(g) && g.runsOnOwnWinograd)
        try expectBothGradientsSameOnOneThread(g, seed: 94)
    }

    /// Only stride 1, input channels in whole 16s and maps in whole tiles run as Winograd, up to 64
    /// channels (64 outputs on maps up to 32x32): ResNet-20's stages and ResNet-18's first. The rest
    /// of what the direct kernel takes stays direct, and wider layers stay on oneDNN; without
    /// AVX-512 (where oneDNN has no Winograd), 128 channels on maps up to 16x16 run here too.
    @Test func onlyWholeTilesOfWholeChannelBlocksRunAsWinograd() {
        for g in [Self.geometry(2, 16, 32, 32, 16), Self.geometry(2, 32, 16, 16, 32), Self.geometry(2, 64, 8, 8, 64),
                  Self.geometry(2, 64, 32, 32, 64), Self.geometry(2, 16, 64, 64, 32)] {
            #expect(g.runsOnOwnWinograd && g.runsOnOwnKernel && g.weightGradientRunsOnOwnKernel, "\(g)")
        }
        let strided = ConvGeometry(batch: 2, inChannels: 16, height: 32, width: 32, outChannels: 32, kh: 3, kw: 3, strideH: 2, strideW: 2,
                                   padH: 1, padW: 1)
        for g in [Self.geometry(2, 3, 32, 32, 16), Self.geometry(2, 24, 8, 8, 16), Self.geometry(2, 16, 30, 32, 16), Self.geometry(2, 16, 32, 6, 16),
                  Self.geometry(2, 64, 56, 56, 64), Self.geometry(2, 256, 8, 8, 256), Self.geometry(2, 128, 32, 32, 128), strided] {
            #expect(!g.runsOnOwnWinograd, "\(g)")
        }
        for g in [Self.geometry(2, 128, 8, 8, 128), Self.geometry(2, 64, 16, 16, 128)] {
            #expect(g.runsOnOwnWinograd == !Convolution.cpuHasWideRegisters, "\(g)")
        }
    }
}
