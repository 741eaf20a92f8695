import Testing
@testable import FunnelTrain

@Suite struct PairedRatioTests {
    /// A result whose only figure that matters here is the median step time.
    private func result(_ model: String, _ act: String, _ seconds: Double) -> TrainBenchmark.Result {
        TrainBenchmark.Result(model: model, act: act, imagesPerSecond: 128 / seconds, stepSecondsMedian: seconds, stepSecondsMin: seconds,
                              peakRSSBytes: 0, peakTensorBytes: 0, peakPooledBytes: 0, trainFLOPsPerImage: 0, gflops: 0,
                              trainInnerFLOPsPerImage: 0, innerGFLOPS: 0, profile: nil)
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

    @Test func noRoundsGiveNoRatios() {
        #expect(TrainBenchmark.PairedRatio.of([]).isEmpty)
    }
}
