import FunnelTensor

/// A bootstrap comparison of two means: the percentile confidence interval of mean(a) - mean(b) and a
/// bootstrap p-value for "the means are equal".
///
/// Each of `resamples` rounds draws n_a values from a and n_b from b with replacement (independently, as
/// the two samples are independent runs) and records d* = mean(a*) - mean(b*).
/// - The interval is the (1-level)/2 and (1+level)/2 quantiles of the d* (linear interpolation between
///   order statistics, numpy's default).
/// - The p-value follows Efron & Tibshirani (1993, §16.4): the null world shifts both samples to the pooled
///   mean, which shifts every d* by -d; so p = (1 + #{|d* - d| ≥ |d|}) / (1 + resamples). The +1s count
///   the observed sample among the resamples, so p is never exactly 0.
///
/// The generator is Funnel's seeded SplitMix64 (`RandomGenerator`), so a seed gives the same result on
/// every machine. Needs at least two values per sample (returns nil otherwise): one value cannot be
/// resampled into any spread.
public struct BootstrapComparison: Sendable, Hashable {
    /// mean(a) - mean(b) on the observed samples.
    public let meanDifference: Double
    /// The percentile interval of the difference.
    public let confidenceInterval: ClosedRange<Double>
    /// The level of `confidenceInterval`.
    public let confidenceLevel: Double
    /// The two-sided bootstrap p-value.
    public let pValue: Double
    /// Number of bootstrap rounds.
    public let resamples: Int

    /// - Parameters:
    ///   - a: First sample (at least two values).
    ///   - b: Second sample (at least two values).
    ///   - resamples: Bootstrap rounds, > 0.
    ///   - confidenceLevel: Level of the interval, in (0, 1).
    ///   - seed: Seed of the resampling generator.
    public init?(_ a: [Double], _ b: [Double], resamples: Int = 10_000, confidenceLevel: Double = 0.95,
                 seed: UInt64 = 0) {
        guard a.count >= 2, b.count >= 2 else { return nil }
        precondition(resamples > 0, "[BootstrapComparison] resamples must be positive, got \(resamples)")
        precondition(confidenceLevel > 0 && confidenceLevel < 1,
                     "[BootstrapComparison] confidence level must lie in (0, 1), got \(confidenceLevel)")
        var generator = RandomGenerator(seed: seed)
        let observed = SampleSummary(a).mean - SampleSummary(b).mean
        var differences = [Double](repeating: 0, count: resamples)
        var extreme = 0
        for round in 0..<resamples {
            let difference = Self.resampledMean(a, &generator) - Self.resampledMean(b, &generator)
            differences[round] = difference
            if abs(difference - observed) >= abs(observed) { extreme += 1 }
        }
        differences.sort()
        let alpha = 1 - confidenceLevel
        meanDifference = observed
        confidenceInterval = Self.quantile(differences, alpha / 2)...Self.quantile(differences, 1 - alpha / 2)
        self.confidenceLevel = confidenceLevel
        pValue = Double(1 + extreme) / Double(1 + resamples)
        self.resamples = resamples
    }

    private static func resampledMean(_ sample: [Double], _ generator: inout RandomGenerator) -> Double {
        var sum = 0.0
        for _ in sample.indices { sum += sample[generator.nextInt(sample.count)] }
        return sum / Double(sample.count)
    }

    /// The p-quantile of sorted values, interpolating linearly between order statistics (Hyndman & Fan type 7).
    private static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        let position = p * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return sorted[below] + fraction * (sorted[above] - sorted[below])
    }
}
