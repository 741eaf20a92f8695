import Testing
@testable import FunnelStats

@Suite struct HyperbandTests {
    @Test func bands() {
        #expect(HyperbandSchedule(eta: 3, brackets: .fromMinimum(iteration: 3)).bands(below: 100) == [3, 9, 27, 81])
        #expect(HyperbandSchedule(eta: 3, brackets: .fromMinimum(iteration: 3)).bands(below: 3) == [])
        // W&B: band = max_iter; s times band /= eta, kept while >= 1, truncated: 27/3 = 9, 27/9 = 3.
        #expect(HyperbandSchedule(eta: 3, brackets: .fromMaximum(iteration: 27, brackets: 2)).bands(below: 100) == [3, 9])
        #expect(HyperbandSchedule(eta: 2, brackets: .fromMaximum(iteration: 5, brackets: 5)).bands(below: 100) == [1, 2])
    }

    @Test func stopsTheBadRunAndKeepsTheGoodOne() {
        // The scripted histories of W&B's `test_hyperband_min_iter_bands` (min_iter 3, eta 3): a flat run
        // and an improving one; W&B stops the flat run only.
        let stopping = HyperbandStopping(schedule: .init(eta: 3, brackets: .fromMinimum(iteration: 3)), goal: .minimize)
        let flat = [Double](repeating: 10, count: 4)
        let improving = (0..<10).map { 10 - Double($0) }
        let all = [flat, improving]
        #expect(stopping.shouldStop(runMetricHistory: flat, allRunsHistory: all))
        #expect(!stopping.shouldStop(runMetricHistory: improving, allRunsHistory: all))
        // Before the first band nothing is judged.
        #expect(!stopping.shouldStop(runMetricHistory: Array(flat.prefix(3)), allRunsHistory: all))
    }

    @Test func judgesTheLatestBandReached() {
        // The example in W&B's `hyperband_stop_runs` docstring (max_iter 5, eta 2, s 2, so bands 1 and 2):
        // b is stopped at band 1; c passes band 1 but not band 2; d passes both.
        let stopping = HyperbandStopping(schedule: .init(eta: 2, brackets: .fromMaximum(iteration: 5, brackets: 2)), goal: .minimize)
        let a: [Double] = [10, 9], b: [Double] = [10, 10], c: [Double] = [10, 8, 8], d: [Double] = [10, 7, 7], e: [Double] = [10, 6, 6]
        let all = [a, b, c, d, e]
        // Band 1 values 9, 10, 8, 7, 6: sorted, position ⌊5/2⌋ = 2 holds the threshold 8.
        #expect(stopping.threshold(atBand: 1, allRunsHistory: all) == 8)
        #expect(stopping.shouldStop(runMetricHistory: b, allRunsHistory: all))
        #expect(!stopping.shouldStop(runMetricHistory: Array(c.prefix(2)), allRunsHistory: all))
        #expect(stopping.shouldStop(runMetricHistory: c, allRunsHistory: all))
        #expect(!stopping.shouldStop(runMetricHistory: d, allRunsHistory: all))
    }

    @Test func maximisingMirrorsMinimisingAndIgnoresNaN() {
        let stopping = HyperbandStopping(schedule: .init(eta: 3, brackets: .fromMinimum(iteration: 3)), goal: .maximize)
        let flat: [Double] = [0.1, .nan, 0.1, 0.1, 0.1]   // a NaN logged once; four finite values reach band 3
        let improving = (0..<10).map { Double($0) / 10 }
        #expect(stopping.shouldStop(runMetricHistory: flat, allRunsHistory: [flat, improving]))
        #expect(!stopping.shouldStop(runMetricHistory: improving, allRunsHistory: [flat, improving]))
    }
}
