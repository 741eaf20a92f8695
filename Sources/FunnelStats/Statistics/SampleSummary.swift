/// The usual description of a sample of runs (one figure per seed): count, mean, spread and a confidence
/// interval of the mean.
///
/// Quantities that a sample of one cannot estimate (standard deviation, standard error, interval) are
/// `nil` when `count < 2`, so that a table shows "n = 1" instead of a made-up spread. A sample whose
/// values are all equal has standard deviation 0 and a zero-width interval at the mean.
public struct SampleSummary: Sendable, Hashable {
    /// Number of values (runs) behind the figures.
    public let count: Int
    /// The arithmetic mean.
    public let mean: Double
    /// The unbiased sample variance (divisor n - 1); nil when `count < 2`.
    public let variance: Double?
    /// The level of `confidenceInterval`, e.g. 0.95.
    public let confidenceLevel: Double

    /// Summarises a sample.
    ///
    /// - Parameters:
    ///   - values: The sample; must not be empty.
    ///   - confidenceLevel: Level of the interval of the mean, in (0, 1).
    public init(_ values: some Collection<Double>, confidenceLevel: Double = 0.95) {
        precondition(!values.isEmpty, "[SampleSummary] the sample is empty")
        precondition(confidenceLevel > 0 && confidenceLevel < 1,
                     "[SampleSummary] confidence level must lie in (0, 1), got \(confidenceLevel)")
        let n = values.count
        let mean = values.reduce(0, +) / Double(n)
        self.count = n
        self.mean = mean
        self.confidenceLevel = confidenceLevel
        // Two passes (mean first, then squared deviations) to avoid the cancellation of sum(x²) - n·mean².
        variance = n < 2 ? nil : values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
    }

    /// The sample standard deviation (divisor n - 1); nil when `count < 2`.
    public var standardDeviation: Double? { variance.map { $0.squareRoot() } }

    /// The standard error of the mean, s / √n; nil when `count < 2`.
    public var standardError: Double? { variance.map { ($0 / Double(count)).squareRoot() } }

    /// The interval mean ± t_{(1+level)/2, n-1} · s/√n; nil when `count < 2`.
    public var confidenceInterval: ClosedRange<Double>? {
        guard let standardError else { return nil }
        let t = StudentTDistribution(degreesOfFreedom: Double(count - 1)).quantile((1 + confidenceLevel) / 2)
        return (mean - t * standardError)...(mean + t * standardError)
    }
}
