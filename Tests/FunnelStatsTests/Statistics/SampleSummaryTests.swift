import Testing
import FunnelTestSupport
@testable import FunnelStats

@Suite struct SampleSummaryTests {
    @Test func matchesScipy() throws {
        // np.mean(a), np.std(a, ddof=1), scipy.stats.sem(a),
        // scipy.stats.t.interval(0.95, len(a) - 1, loc=mean, scale=sem) and the same at 0.90.
        let runs = [0.912, 0.918, 0.905, 0.921, 0.915]
        let summary = SampleSummary(runs)
        #expect(summary.count == 5)
        expectClose(summary.mean, 0.9142000000000001, tolerance: 1e-14)
        expectClose(try #require(summary.standardDeviation), 0.006140032573203506, tolerance: 1e-14)
        expectClose(try #require(summary.standardError), 0.0027459060435491983, tolerance: 1e-14)
        let interval = try #require(summary.confidenceInterval)
        expectClose(interval.lowerBound, 0.9065761426060549, tolerance: 1e-12)
        expectClose(interval.upperBound, 0.9218238573939453, tolerance: 1e-12)
        let narrower = try #require(SampleSummary(runs, confidenceLevel: 0.90).confidenceInterval)
        expectClose(narrower.lowerBound, 0.9083461490255048, tolerance: 1e-12)
        expectClose(narrower.upperBound, 0.9200538509744954, tolerance: 1e-12)
    }

    @Test func singleRunHasNoSpread() {
        let summary = SampleSummary([0.93])
        #expect(summary.mean == 0.93)
        #expect(summary.standardDeviation == nil && summary.standardError == nil && summary.confidenceInterval == nil)
    }

    @Test func constantSampleHasZeroWidthInterval() {
        let summary = SampleSummary([2.5, 2.5, 2.5])
        #expect(summary.standardDeviation == 0)
        #expect(summary.confidenceInterval == 2.5...2.5)
    }
}
