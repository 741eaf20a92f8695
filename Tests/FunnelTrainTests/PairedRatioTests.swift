import Testing
@testable import FunnelTrain

@Suite struct PairedRatioTests {
    /// A result whose only figures that matter here are the median step time and the GFLOPS it gives
    /// for `flops` per step.
    private func result(_ model: String, _ act: String, _ seconds: Double, flops: Double = 0) -> TrainBenchmark.Result {
        TrainBenchmark.Result(model: model, act: act, imagesPerSecond: 128 / seconds, stepSecondsMedian: seconds, stepSecondsMin: seconds, stepSeconds: [seconds],
                              peakRSSBytes: 0, peakTensorBytes: 0, peakPooledBytes: 0, trainFLOPsPerImage: flops / 128,
                              gflops: flops / seconds * 1e-9, trainInnerFLOPsPerImage: 0, innerGFLOPS: 0, profile: nil, profilePasses: nil,
                              threads: 2, computeCPUs: 2)
    }

    private func ceilings(convolution gflops: Double) -> TrainBenchmark.Ceilings {
        TrainBenchmark.Ceilings(convolutionGFLOPS: gflops, convolution: "", convolutionInnerGFLOPS: 0, innerConvolution: "",
                                fmaPeakGFLOPS: 0, asRunGFLOPS: 0, asRunConvolution: "")
    }

    @Test func ratiosArePairedWithinEachRoundAndEachModel() {
        // Round 2 is a slow spell for everything; round 3 slows only resnet20's frelu.
        let rounds = [
            [result("resnet20", "relu", 0.100), result("resnet20", "frelu", 0.120), result("resnet18", "relu", 2.0), result("resnet18", "frelu", 2.2)],
            [result("resnet20", "relu", 0.150), result("resnet20", "frelu", 0.165), result("resnet18", "relu", 3.0), result("resnet18", "frelu", 3.6)],
            [result("resnet20", "relu", 0.100), result("resnet20", "frelu", 0.140), result("resnet18", "relu", 2.0), result("resnet18", "frelu", 2.4)],
        ]
        let ratios = TrainBenchmark.PairedRatio.of(rounds)
        #expect(ratios.map(\.act) == ["relu", "frelu", "relu", "frelu"])
        #expect(ratios.allSatisfy { $0.base == "relu" && $0.rounds == 3 })
        #expect(ratios[0].median == 1 && ratios[0].low == 1 && ratios[0].high == 1)
        // resnet20 frelu: 1.2, 1.1, 1.4 round by round; the ratio of the medians (0.140 / 0.100) would say 1.4.
        #expect(abs(ratios[1].median - 1.2) < 1e-12 && abs(ratios[1].low - 1.1) < 1e-12 && abs(ratios[1].high - 1.4) < 1e-12)
        // resnet18 frelu is over resnet18's relu, not resnet20's: 1.1, 1.2, 1.2.
        #expect(abs(ratios[3].median - 1.2) < 1e-12 && abs(ratios[3].low - 1.1) < 1e-12 && abs(ratios[3].high - 1.2) < 1e-12)
    }

    @Test func fractionsTakeEachRoundsStepAgainstThatRoundsCeiling() {
        // 31.4 GFLOP a step. Round 2 is a slow spell: the step and the ceiling both drop by a third.
        let flops = 31.4e9
        let rounds = [
            [result("resnet20", "relu", 0.157, flops: flops), result("resnet20", "frelu", 0.200, flops: flops)],
            [result("resnet20", "relu", 0.2355, flops: flops), result("resnet20", "frelu", 0.300, flops: flops)],
            [result("resnet20", "relu", 0.157, flops: flops), result("resnet20", "frelu", 0.2512, flops: flops)],
        ]
        let fractions = TrainBenchmark.PairedFraction.of(rounds, ceilings: [ceilings(convolution: 250), ceilings(convolution: 500.0 / 3),
                                                                            ceilings(convolution: 250)])
        #expect(fractions.map(\.act) == ["relu", "frelu"] && fractions.allSatisfy { $0.rounds == 3 })
        // relu: 200 GFLOPS of 250, then 133.3 of 166.7, then 200 of 250: 0.8 every round. The median step
        // (0.157 s) over the median ceiling (250) would also say 0.8, but the slow round's step over
        // the median ceiling 0.53.
        #expect(abs(fractions[0].median - 0.8) < 1e-9 && abs(fractions[0].low - 0.8) < 1e-9 && abs(fractions[0].high - 0.8) < 1e-9)
        // frelu: 157 / 250, 104.7 / 166.7, 125 / 250.
        #expect(abs(fractions[1].median - 0.628) < 1e-9 && abs(fractions[1].low - 0.5) < 1e-9 && abs(fractions[1].high - 0.628) < 1e-9)
        // Without a ceiling for every round nothing is paired.
        #expect(TrainBenchmark.PairedFraction.of(rounds, ceilings: [ceilings(convolution: 250)]).isEmpty)
    }

    @Test func noRoundsGiveNoRatios() {
        #expect(TrainBenchmark.PairedRatio.of([]).isEmpty)
    }
}
