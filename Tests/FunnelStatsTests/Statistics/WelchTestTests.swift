import Testing
import FunnelTestSupport
@testable import FunnelStats

@Suite struct WelchTestTests {
    // scipy.stats.ttest_ind(a, b, equal_var=False) -> statistic, df, pvalue
    @Test(arguments: [
        ([0.912, 0.918, 0.905, 0.921, 0.915], [0.901, 0.899, 0.907, 0.903, 0.896],
         3.9232156618425034, 7.021040922935362, 0.005691399368051874),
        ([1.2, 3.4, 2.2, 5.1], [0.5, 0.7, 0.6, 0.9, 1.1, 0.4, 0.8],
         2.6787187433107977, 3.0709405837163093, 0.07327168907618342),
        ([1, 2, 3, 4, 5], [2, 3, 4, 1, 5.5],
         -0.09491579957525, 7.9221990033756615, 0.9267385252141424),
        ([10.0, 10.1, 10.2], [0.0, 0.1, 0.2],
         122.47448713915912, 4.0, 2.6654818961635775e-08),
        // One constant sample: dof falls to n - 1 of the other.
        ([3, 3, 3, 3], [1, 2, 3, 4, 6],
         -0.23249527748763876, 4.0, 0.8275647196020316),
    ] as [([Double], [Double], Double, Double, Double)])
    func matchesScipy(a: [Double], b: [Double], t: Double, dof: Double, p: Double) throws {
        let test = try #require(WelchTest(a, b))
        expectClose(test.t, t, tolerance: 1e-10)
        expectClose(test.degreesOfFreedom, dof, tolerance: 1e-10)
        #expect(abs(test.pValue - p) <= 1e-9 * p, "p = \(test.pValue), scipy \(p)")
    }

    @Test func tooFewRunsGiveNoTest() {
        #expect(WelchTest([1], [1, 2, 3]) == nil)
        #expect(WelchTest([1, 2], []) == nil)
    }

    @Test func constantSamples() throws {
        let equal = try #require(WelchTest([2, 2, 2], [2, 2]))
        #expect(equal.t == 0 && equal.pValue == 1 && equal.degreesOfFreedom == 3)
        let different = try #require(WelchTest([1, 1, 1], [2, 2]))
        #expect(different.t == -.infinity && different.pValue == 0)
    }

    @Test func confidenceIntervalOfDifference() throws {
        // Welch interval: difference ± scipy.stats.t.ppf(0.975, df) * se, with the "close" samples above.
        let test = try #require(WelchTest([0.912, 0.918, 0.905, 0.921, 0.915], [0.901, 0.899, 0.907, 0.903, 0.896]))
        let interval = test.confidenceInterval(level: 0.95)
        let halfWidth = StudentTDistribution(degreesOfFreedom: test.degreesOfFreedom).quantile(0.975) * test.standardError
        expectClose(interval.lowerBound, test.meanDifference - halfWidth)
        #expect(interval.lowerBound > 0)  // p = 0.0057 < 0.05, so the interval excludes 0
    }
}
