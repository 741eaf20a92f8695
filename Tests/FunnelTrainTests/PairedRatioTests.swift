@testable import FunnelTensor
import Testing
@testable import FunnelTrain

@Suite struct PairedRatioTests {
    /// A result whose only figures that matter here are the median step time and the GFLOPS it gives
    /// for `flops` per step.
    private func result(_ model: String, _ act: String, _ seconds: Double, flops: Double = 0, profile: [OpProfile.Entry]? = nil) -> TrainBenchmark.Result {
        TrainBenchmark.Result(model: model, act: act, imagesPerSecond: 128 / seconds, stepSecondsMedian: seconds, stepSecondsMin: seconds, stepSeconds: [seconds],
                              peakRSSBytes: 0, peakTensorBytes: 0, peakPooledBytes: 0, trainFLOPsPerImage: flops / 128,
                              gflops: flops / seconds * 1e-9, trainInnerFLOPsPerImage: 0, innerGFLOPS: 0, profile: profile, profilePasses: nil,
                              threads: 2, computeCPUs: 2)
    }

    /// A profile entry of `ms` milliseconds a step.
    private func entry(_ op: String, _ pass: OpProfile.Pass, _ ms: Double) -> OpProfile.Entry {
        OpProfile.Entry(op: op, pass: pass, seconds: ms / 1e3, calls: 1, bytes: 0)
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

    @Test func profilesArePairedRoundByRoundOpByOp() throws {
        // Three rounds; round 2 is a slow spell for both. The convolution takes 1, 2 and 3 ms longer
        // in frelu's network; relu's norm and frelu's funnel op are each one side's own.
        func relu(_ conv: Double, _ norm: Double, _ step: Double) -> TrainBenchmark.Result {
            result("resnet20", "relu", step, profile: [entry("conv3x3 16ch", .backward, conv), entry("batch_norm_relu", .backward, norm)])
        }
        func frelu(_ conv: Double, _ funnel: Double, _ step: Double) -> TrainBenchmark.Result {
            result("resnet20", "frelu", step, profile: [entry("conv3x3 16ch", .backward, conv), entry("funnel (depthwise3x3 16ch)", .backward, funnel)])
        }
        let rounds = [[relu(30, 6, 0.040), frelu(31, 10, 0.045)], [relu(45, 9, 0.060), frelu(47, 15, 0.068)], [relu(30, 6, 0.040), frelu(33, 11, 0.047)]]
        let pairs = TrainBenchmark.PairedProfile.of(rounds)
        #expect(pairs.count == 1)
        let p = try #require(pairs.first)
        #expect(p.act == "frelu" && p.base == "relu" && p.rounds == 3)
        #expect(p.ops.map(\.op) == ["conv3x3 16ch", "funnel (depthwise3x3 16ch)", "batch_norm_relu"])
        // The convolution: differences 1, 2, 3 ms: mean 2, s = 1, t(0.975, 2 dof) = 4.3027, so 2 ± 2.484.
        let conv = p.ops[0]
        #expect(abs(conv.baseMilliseconds! - 35) < 1e-9 && abs(conv.milliseconds! - 37) < 1e-9 && abs(conv.difference - 2) < 1e-9)
        #expect(abs(conv.differenceLow! - (2 - 4.302653 / 3.squareRoot())) < 1e-5 && abs(conv.differenceHigh! - (2 + 4.302653 / 3.squareRoot())) < 1e-5)
        // One side's own ops count 0 on the other: the funnel op adds 10, 15, 11; the norm takes off 6, 9, 6.
        #expect(p.ops[1].baseMilliseconds == nil && abs(p.ops[1].difference - 12) < 1e-9)
        #expect(p.ops[2].milliseconds == nil && abs(p.ops[2].difference + 7) < 1e-9)
        // Totals: ops both ran 2; ops one ran 12 - 7 = 5; everything 7; the step 5, 8, 7 ms.
        #expect(p.totals.map(\.op) == ["ops both ran", "ops one of them ran", "all recorded", "timed step (median)"])
        #expect(zip(p.totals.map(\.difference), [2.0, 5, 7, 20.0 / 3]).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(abs(p.totals[1].baseMilliseconds! - 7) < 1e-9 && abs(p.totals[1].milliseconds! - 12) < 1e-9)
        // A single round has no interval; without profiles nothing is paired.
        let single = try #require(TrainBenchmark.PairedProfile.of([rounds[0]]).first)
        #expect(single.ops[0].differenceLow == nil && abs(single.ops[0].difference - 1) < 1e-9)
        #expect(TrainBenchmark.PairedProfile.of([[result("resnet20", "relu", 0.04), result("resnet20", "frelu", 0.05)]]).isEmpty)
    }

    @Test func noRoundsGiveNoRatios() {
        #expect(TrainBenchmark.PairedRatio.of([]).isEmpty)
    }
}
