import Testing
@testable import FunnelLab

@Suite struct BootstrapComparisonTests {
    // Drawn once with numpy: rng = np.random.default_rng(7); a = round(rng.normal(0.93, 0.01, 12), 4);
    // b = round(rng.normal(0.92, 0.012, 12), 4).
    static let a = [0.93, 0.933, 0.9273, 0.9211, 0.9255, 0.9201, 0.9306, 0.9434, 0.9251, 0.9238, 0.9349, 0.9336]
    static let b = [0.9213, 0.9088, 0.9196, 0.9283, 0.9039, 0.9145, 0.8972, 0.9045, 0.8979, 0.9172, 0.9048, 0.9233]

    @Test func percentileIntervalAgreesWithScipy() throws {
        // scipy.stats.bootstrap((a, b), lambda x, y, axis: x.mean(axis) - y.mean(axis), method='percentile',
        //     n_resamples=200000, vectorized=True, random_state=1).confidence_interval
        //   = (0.010658333333333325, 0.023933333333333365); a different generator, so agreement is up to
        //   Monte Carlo error (about 3% of the width here with 10,000 resamples).
        let comparison = try #require(BootstrapComparison(Self.a, Self.b, resamples: 10_000, seed: 3))
        expectClose(comparison.meanDifference, 0.017258333333333598, tolerance: 1e-12)
        expectClose(comparison.confidenceInterval.lowerBound, 0.010658333333333325, tolerance: 6e-4, absolute: true)
        expectClose(comparison.confidenceInterval.upperBound, 0.023933333333333365, tolerance: 6e-4, absolute: true)
        // Welch gives p = 1.1e-4 (scipy.stats.ttest_ind(a, b, equal_var=False)); the bootstrap agrees it is small.
        #expect(comparison.pValue < 0.01)
    }

    @Test func sameSeedSameResultOtherSeedOtherResult() throws {
        let first = try #require(BootstrapComparison(Self.a, Self.b, resamples: 2000, seed: 11))
        let again = try #require(BootstrapComparison(Self.a, Self.b, resamples: 2000, seed: 11))
        let other = try #require(BootstrapComparison(Self.a, Self.b, resamples: 2000, seed: 12))
        #expect(first == again)
        #expect(first.confidenceInterval != other.confidenceInterval)
    }

    @Test func overlappingSamplesAreNotSignificant() throws {
        // Interleaved values of one population: the interval straddles 0 and p is large.
        let comparison = try #require(BootstrapComparison([1, 3, 5, 7, 9, 11], [2, 4, 6, 8, 10, 12], resamples: 4000, seed: 5))
        #expect(comparison.confidenceInterval.contains(0))
        #expect(comparison.pValue > 0.3)
    }

    @Test func tooFewRunsGiveNoComparison() {
        #expect(BootstrapComparison([1], [1, 2]) == nil)
    }
}
