/// Welch's two-sample t-test of equal means, without assuming equal variances.
///
/// t = (mean_a - mean_b) / √(s_a²/n_a + s_b²/n_b), with the Welch–Satterthwaite degrees of freedom
/// ν = (s_a²/n_a + s_b²/n_b)² / ((s_a²/n_a)²/(n_a-1) + (s_b²/n_b)²/(n_b-1)), and a two-sided p-value
/// from Student's t with ν degrees of freedom. It matches `scipy.stats.ttest_ind(a, b, equal_var=False)`.
///
/// Edge cases:
/// - fewer than two values in either sample: no variance estimate, so no test (the initialisers return nil);
/// - both samples constant (standard error 0): ν is 0/0, so ν = n_a + n_b - 2 is used; equal means give
///   t = 0 and p = 1, different means give t = ±∞ and p = 0 (the difference is exact, not noisy);
/// - one sample constant: the formulas stay finite and ν falls to n - 1 of the other sample.
public struct WelchTest: Sendable, Hashable {
    /// mean(a) - mean(b).
    public let meanDifference: Double
    /// The standard error of the difference, √(s_a²/n_a + s_b²/n_b).
    public let standardError: Double
    /// The t statistic (positive when a has the larger mean).
    public let t: Double
    /// The Welch–Satterthwaite degrees of freedom.
    public let degreesOfFreedom: Double
    /// The two-sided p-value P(|T| ≥ |t|).
    public let pValue: Double

    /// Tests two summarised samples; nil when either has fewer than two values.
    public init?(_ a: SampleSummary, _ b: SampleSummary) {
        guard let varianceA = a.variance, let varianceB = b.variance else { return nil }
        let shareA = varianceA / Double(a.count), shareB = varianceB / Double(b.count)
        meanDifference = a.mean - b.mean
        standardError = (shareA + shareB).squareRoot()
        if standardError == 0 {
            degreesOfFreedom = Double(a.count + b.count - 2)
            t = meanDifference == 0 ? 0 : (meanDifference > 0 ? .infinity : -.infinity)
            pValue = meanDifference == 0 ? 1 : 0
            return
        }
        t = meanDifference / standardError
        let denominator = shareA * shareA / Double(a.count - 1) + shareB * shareB / Double(b.count - 1)
        degreesOfFreedom = (shareA + shareB) * (shareA + shareB) / denominator
        pValue = StudentTDistribution(degreesOfFreedom: degreesOfFreedom).twoSidedTailProbability(t)
    }

    /// Tests two raw samples; nil when either has fewer than two values.
    public init?(_ a: [Double], _ b: [Double]) {
        guard a.count >= 2, b.count >= 2 else { return nil }
        self.init(SampleSummary(a), SampleSummary(b))
    }

    /// The Welch confidence interval of mean(a) - mean(b): difference ± t_{(1+level)/2, ν} · standard error.
    public func confidenceInterval(level: Double = 0.95) -> ClosedRange<Double> {
        let t = StudentTDistribution(degreesOfFreedom: degreesOfFreedom).quantile((1 + level) / 2)
        return (meanDifference - t * standardError)...(meanDifference + t * standardError)
    }
}
