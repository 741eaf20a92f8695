import Testing
import FunnelTestSupport
@testable import FunnelStats

@Suite struct StudentTDistributionTests {
    // scipy.special.betainc(a, b, x)
    @Test(arguments: [
        (2.5, 0.5, 0.3, 0.018927124071945658),
        (10, 20, 0.4, 0.7853183897628262),
        (0.5, 0.5, 0.99, 0.9362314391414803),
        (200, 0.5, 0.995, 0.15703865369788875),
        (1, 1, 0.37, 0.37),
    ])
    func incompleteBetaMatchesScipy(a: Double, b: Double, x: Double, expected: Double) {
        expectClose(regularizedIncompleteBeta(x, a: a, b: b), expected, tolerance: 1e-12)
    }

    @Test func incompleteBetaEndpoints() {
        #expect(regularizedIncompleteBeta(0, a: 3, b: 4) == 0)
        #expect(regularizedIncompleteBeta(1, a: 3, b: 4) == 1)
    }

    // scipy.stats.t.cdf(t, df)
    @Test(arguments: [
        (2.1, 4.3, 0.9505942976730632),
        (-0.7, 12, 0.24863707689535378),
        (0.0, 3, 0.5),
        (8.5, 2, 0.9932200252078105),
        (-40, 6.6, 1.997257262406518e-09),
    ])
    func cdfMatchesScipy(t: Double, dof: Double, expected: Double) {
        let cdf = StudentTDistribution(degreesOfFreedom: dof).cdf(t)
        // Relative to the value itself: the far tail (2e-9) must keep its digits.
        #expect(abs(cdf - expected) <= 1e-11 * expected, "cdf(\(t); \(dof)) = \(cdf), scipy \(expected)")
    }

    // scipy.stats.t.ppf(p, df)
    @Test(arguments: [
        (0.975, 1, 12.706204736174694),
        (0.975, 2, 4.302652729749462),
        (0.975, 4, 2.7764451051977934),
        (0.975, 9, 2.262157162798205),
        (0.975, 30, 2.0422724563012378),
        (0.975, 1000, 1.9623390808264083),
        (0.995, 3.7, 4.8692522532278275),
        (0.05, 7.5, -1.8757474792112883),
        (0.999999, 1, 318309.88617359026),
        (0.6, 2.5, 0.2814595127485477),
    ])
    func quantileMatchesScipy(p: Double, dof: Double, expected: Double) {
        let quantile = StudentTDistribution(degreesOfFreedom: dof).quantile(p)
        #expect(abs(quantile - expected) <= 1e-9 * abs(expected), "ppf(\(p); \(dof)) = \(quantile), scipy \(expected)")
    }

    @Test func quantileInvertsCdfAndIsSymmetric() {
        let distribution = StudentTDistribution(degreesOfFreedom: 5.5)
        for p in [0.001, 0.2, 0.5, 0.7, 0.99] {
            expectClose(distribution.cdf(distribution.quantile(p)), p, tolerance: 1e-12)
            expectClose(distribution.quantile(p), -distribution.quantile(1 - p), tolerance: 1e-12)
        }
    }

    @Test func infiniteStatisticHasNoTail() {
        let distribution = StudentTDistribution(degreesOfFreedom: 3)
        #expect(distribution.twoSidedTailProbability(.infinity) == 0)
        #expect(distribution.cdf(-.infinity) == 0)
        #expect(distribution.cdf(.infinity) == 1)
    }
}
