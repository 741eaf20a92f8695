import Testing
import FunnelKernels
@testable import FunnelTrain

@Suite struct OpsBenchmarkResultTests {
    /// A `funnel bench ops` row's figures by hand: 2 samples, 8 -> 6 channels, 3x3 with padding 1 on a
    /// 4x4 map is 2 * 6 * 16 * 8 * 9 = 13,824 multiply-adds, 9,600 of them inside the image (100 of
    /// every 144 taps); both gradients count two passes.
    @Test func gflopsCountEveryTapAndTheInsideOnes() {
        let g = ConvGeometry(batch: 2, inChannels: 8, height: 4, width: 4, outChannels: 6, kh: 3, kw: 3, strideH: 1, strideW: 1,
                             padH: 1, padW: 1)
        let forward = OpsBenchmark.Result(op: "conv3x3", g, pass: "forward", seconds: 1e-6, primitiveSeconds: 2e-6, implementation: "x")
        #expect(abs(forward.gflops - 27.648) < 1e-9 && abs(forward.innerGFLOPS - 19.2) < 1e-9)
        #expect(abs(forward.overhead + 0.5) < 1e-12)
        let both = OpsBenchmark.Result(op: "conv3x3", g, pass: "backward", passes: 2, seconds: 1e-6, primitiveSeconds: 1e-6, implementation: "x")
        #expect(abs(both.gflops - 55.296) < 1e-9 && abs(both.innerGFLOPS - 38.4) < 1e-9 && both.overhead == 0)
        let share = both.ofPeak(76.8)
        #expect(abs(share.all - 0.72) < 1e-12 && abs(share.inner - 0.5) < 1e-12)
    }
}
