import Testing
import FunnelTestSupport
@testable import FunnelStats

@Suite struct RankingTests {
    @Test func holmAdjustmentByHand() {
        // m = 4, sorted p: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 -> running max 0.06.
        let adjusted = holmAdjusted([0.01, 0.04, 0.03, 0.005])
        for (value, expected) in zip(adjusted, [0.03, 0.06, 0.06, 0.02]) { expectClose(value, expected, tolerance: 1e-15) }
        #expect(holmAdjusted([0.5, 0.6]) == [1, 1])  // capped at 1
        #expect(MultipleComparisonCorrection.none.adjusted([0.2, 0.01]) == [0.2, 0.01])
    }

    static let accuracy: [String: [Double]] = [
        "frelu": [0.912, 0.918, 0.905, 0.921, 0.915],
        "relu": [0.901, 0.899, 0.907, 0.903, 0.896],
        "mish": [0.913, 0.909, 0.916, 0.911, 0.914],
        "swish": [0.93],
    ]

    @Test func ordersByMeanAndMarksTies() throws {
        let ranking = try Ranking(Self.accuracy, goal: .maximize, correction: .none)
        #expect(ranking.entries.map(\.name) == ["swish", "frelu", "mish", "relu"])
        // swish has one run: best by mean, but nothing can be tested against it.
        #expect(ranking.entries.allSatisfy { $0.versusBest == nil })
        #expect(ranking.entries.map(\.summary.count) == [1, 5, 5, 5])

        let tested = try Ranking(Self.accuracy.filter { $0.key != "swish" }, goal: .maximize, correction: .none)
        #expect(tested.best.name == "frelu")
        let mish = try #require(tested.entries.first { $0.name == "mish" })
        let relu = try #require(tested.entries.first { $0.name == "relu" })
        // The p-values are Welch's; relu vs frelu is the "close" pair checked against scipy (p = 0.0057).
        expectClose(try #require(relu.versusBest).test.pValue, 0.005691399368051874, tolerance: 1e-9)
        #expect(mish.isTiedWithBest == true)
        #expect(relu.isTiedWithBest == false)
        #expect(tested.tiedWithBest.map(\.name) == ["frelu", "mish"])
    }

    @Test func lowerIsBetterAndBaselineWithHolm() throws {
        let loss: [String: [Double]] = [
            "relu": [0.40, 0.42, 0.41, 0.43],
            "frelu": [0.30, 0.31, 0.29, 0.32],
            "mish": [0.405, 0.415, 0.41, 0.42],
        ]
        let ranking = try Ranking(loss, goal: .minimize, baseline: "relu", correction: .holm)
        #expect(ranking.entries.map(\.name) == ["frelu", "mish", "relu"])
        let frelu = try #require(ranking.entries[0].versusBaseline)
        let mish = try #require(ranking.entries[1].versusBaseline)
        #expect(ranking.entries[2].versusBaseline == nil)
        // Holm over the two comparisons with the baseline, computed from the raw Welch p-values.
        let raw = [frelu.test.pValue, mish.test.pValue]
        #expect([frelu.adjustedPValue, mish.adjustedPValue] == holmAdjusted(raw))
        #expect(frelu.isSignificant && !mish.isSignificant)
        #expect(ranking.description.contains("p vs relu"))
    }

    @Test func tableShowsRunsPValuesAndTies() throws {
        // Figures from numpy/scipy: mean, np.std(ddof=1) and scipy.stats.t.interval(0.95, 4, loc=mean,
        // scale=sem) per activation; Welch p-values vs frelu 0.6147 (mish) and 0.005691 (relu) from
        // scipy.stats.ttest_ind(..., equal_var=False), Holm-adjusted by hand: 2 · 0.005691 = 0.01138, then
        // max(0.01138, 1 · 0.6147) = 0.6147. All printed with %.4g.
        let ranking = try Ranking(Self.accuracy.filter { $0.key != "swish" }, goal: .maximize)
        #expect(ranking.description == """
            rank  name   mean    sd        95% CI            n  p vs best
            1     frelu  0.9142  0.00614   [0.9066, 0.9218]  5  best
            2     mish   0.9126  0.002702  [0.9092, 0.916]   5  0.6147     tied with best
            3     relu   0.9012  0.004147  [0.8961, 0.9063]  5  0.01138
            Welch t-tests, Holm-corrected, alpha 0.05
            """)
    }

    @Test func badInputIsNamed() {
        #expect(throws: RankingError.self) { try Ranking([:], goal: .minimize) }
        #expect(throws: RankingError(message: "configuration 'relu' has no runs")) { try Ranking(["relu": []], goal: .minimize) }
        #expect(throws: RankingError(message: "unknown baseline 'gelu'; configurations: relu")) {
            try Ranking(["relu": [1, 2]], goal: .minimize, baseline: "gelu")
        }
    }
}
