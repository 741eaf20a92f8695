import Foundation
import FunnelStats

// FunnelStats' values are computed from samples and have no memberwise initialisers, so an
// analysis read back from JSON cannot hold them. These are their numbers, computed once (the
// intervals included) and stored; the renderer reads them and computes nothing.

/// A `SampleSummary` as stored in an analysis: count, mean, spread and interval of the mean.
public struct StoredSummary: Codable, Sendable, Hashable {
    public let count: Int
    public let mean: Double
    /// nil for a single value.
    public let standardDeviation: Double?
    /// The t interval of the mean at `confidenceLevel`; nil for a single value.
    public let confidenceInterval: ClosedRange<Double>?
    public let confidenceLevel: Double

    public init(_ summary: SampleSummary) {
        count = summary.count
        mean = summary.mean
        standardDeviation = summary.standardDeviation
        confidenceInterval = summary.confidenceInterval
        confidenceLevel = summary.confidenceLevel
    }

    /// The summary of `values` (not empty).
    public init(_ values: [Double]) {
        self.init(SampleSummary(values))
    }
}

/// A `Ranking.Comparison` as stored: the Welch test of one configuration against a reference,
/// with its interval and the family-corrected p-value.
public struct StoredComparison: Codable, Sendable, Hashable {
    /// Mean of this configuration minus the reference's.
    public let meanDifference: Double
    public let standardError: Double
    public let t: Double
    public let degreesOfFreedom: Double
    /// Two-sided p-value of the Welch test.
    public let pValue: Double
    /// Welch's interval of `meanDifference` at `confidenceLevel`.
    public let confidenceInterval: ClosedRange<Double>
    public let confidenceLevel: Double
    /// `pValue` after the family's multiple-comparison correction.
    public let adjustedPValue: Double
    /// `adjustedPValue < alpha`.
    public let isSignificant: Bool

    /// - Parameter level: the level of the interval (the samples' confidence level).
    public init(_ comparison: Ranking.Comparison, level: Double) {
        meanDifference = comparison.test.meanDifference
        standardError = comparison.test.standardError
        t = comparison.test.t
        degreesOfFreedom = comparison.test.degreesOfFreedom
        pValue = comparison.test.pValue
        confidenceInterval = comparison.test.confidenceInterval(level: level)
        confidenceLevel = level
        adjustedPValue = comparison.adjustedPValue
        isSignificant = comparison.isSignificant
    }
}

/// A `Ranking` as stored: configurations best first, each tested against the best and the baseline.
public struct StoredRanking: Codable, Sendable, Hashable {
    /// Whether higher or lower values are better.
    public enum Goal: String, Codable, Sendable {
        case minimize, maximize
    }

    /// One configuration's line.
    public struct Entry: Codable, Sendable, Hashable {
        public let name: String
        public let summary: StoredSummary
        /// 1 for the best mean, then 2, 3, ...
        public let rank: Int
        /// Against the best; nil for the best itself and when a side has fewer than two runs.
        public let versusBest: StoredComparison?
        /// Against the baseline; nil for the baseline, without one, or when untestable.
        public let versusBaseline: StoredComparison?

        /// Whether the difference from the best is not significant: true for the best, nil when untested.
        public var isTiedWithBest: Bool? {
            rank == 1 ? true : versusBest.map { !$0.isSignificant }
        }
    }

    public let goal: Goal
    public let alpha: Double
    public let baseline: String?
    /// Best first.
    public let entries: [Entry]

    public init(_ ranking: Ranking) {
        goal = ranking.goal == .maximize ? .maximize : .minimize
        alpha = ranking.alpha
        baseline = ranking.baseline
        entries = ranking.entries.map { entry in
            let level = entry.summary.confidenceLevel
            return Entry(name: entry.name, summary: StoredSummary(entry.summary), rank: entry.rank,
                         versusBest: entry.versusBest.map { StoredComparison($0, level: level) },
                         versusBaseline: entry.versusBaseline.map { StoredComparison($0, level: level) })
        }
    }

    /// The best configuration.
    public var best: Entry { entries[0] }

    /// The best and every configuration not significantly different from it.
    public var tiedWithBest: [Entry] { entries.filter { $0.isTiedWithBest == true } }
}
