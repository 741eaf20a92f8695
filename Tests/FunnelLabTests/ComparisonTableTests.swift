import Foundation
import Testing
@testable import FunnelTrain
@testable import FunnelLab

/// `funnel compare`'s table: the spread over seeds it prints, checked against hand computations.
@Suite struct ComparisonTableTests {
    private func summary(top1: Double, loss: Double) -> TrainingSummary {
        TrainingSummary(runName: "r", runID: nil, epochs: [], bestTop1: top1, bestEpoch: 1, finalTop1: top1, finalLoss: loss,
                        seconds: 1, parameters: 272_474)
    }

    private func line(_ table: String, _ act: String) throws -> String {
        try #require(table.split(separator: "\n").first { $0.hasPrefix(act + " ") }.map(String.init))
    }

    @Test func oneSeedShowsNoSpreadRatherThanZero() throws {
        let table = ActivationComparison.table([.init(act: "relu", runs: [summary(top1: 0.821, loss: 0.2937)]),
                                                .init(act: "frelu", runs: [summary(top1: 0.809, loss: 0.2301)])])
        let relu = try line(table, "relu"), frelu = try line(table, "frelu")
        #expect(relu.contains("82.10 ± –"))
        #expect(relu.contains("0.2937 ± –"))
        #expect(!relu.contains("0.00"))
        #expect(frelu.contains("-1.20 (n=1)"))
    }

    @Test func twoSeedsShowTheSampleStandardDeviation() throws {
        // top-1 80 % and 84 %: mean 82, s = sqrt(((80-82)² + (84-82)²) / 1) = 2.83; loss 0.30, 0.34: s = 0.0283.
        let table = ActivationComparison.table([.init(act: "relu", runs: [summary(top1: 0.80, loss: 0.30), summary(top1: 0.84, loss: 0.34)])])
        let relu = try line(table, "relu")
        #expect(relu.contains("82.00 ± 2.83"))
        #expect(relu.contains("0.3200 ± 0.0283"))
        // The columns line up with the one-seed rows: the spread takes the same width either way.
        let single = try line(ActivationComparison.table([.init(act: "relu", runs: [summary(top1: 0.80, loss: 0.30)])]), "relu")
        #expect(single.count == relu.count)
    }
}
