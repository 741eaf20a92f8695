import Foundation

/// Configurations (activations, say) ranked by their mean over runs, with Welch tests that say which
/// differences are within noise.
///
/// Every configuration is compared with the best one, and optionally with a baseline, by Welch's t-test
/// (`WelchTest`). The p-values of each family (all comparisons with the best; all with the baseline) are
/// adjusted by `correction` before they meet `alpha`. A configuration whose difference from the best is not
/// significant is "tied with the best": with these runs one cannot say it is worse.
///
/// Configurations with fewer than two runs cannot be tested: their comparisons are nil, they take no part in
/// the corrected families, and `isTiedWithBest` is nil for them.
public struct Ranking: Sendable {
    /// One configuration's test against a reference configuration.
    public struct Comparison: Sendable, Hashable {
        /// The Welch test of this configuration (a) against the reference (b).
        public let test: WelchTest
        /// The p-value after the family's multiple-comparison correction.
        public let adjustedPValue: Double
        /// `adjustedPValue < alpha`.
        public let isSignificant: Bool
    }

    /// One configuration's line in the ranking.
    public struct Entry: Sendable, Hashable {
        /// The configuration's name.
        public let name: String
        /// Its runs: count, mean, spread, interval.
        public let summary: SampleSummary
        /// 1 for the best mean, then 2, 3, ... (ties in the mean are ordered by name).
        public let rank: Int
        /// The test against the best; nil for the best itself and when either side has fewer than two runs.
        public let versusBest: Comparison?
        /// The test against the baseline; nil for the baseline itself, without a baseline, and when either
        /// side has fewer than two runs.
        public let versusBaseline: Comparison?

        /// Whether the difference from the best is not significant: true for the best itself, nil when untested.
        public var isTiedWithBest: Bool? {
            rank == 1 ? true : versusBest.map { !$0.isSignificant }
        }
    }

    /// The direction of the metric.
    public let goal: OptimizationGoal
    /// The significance level.
    public let alpha: Double
    /// The correction applied within each family of comparisons.
    public let correction: MultipleComparisonCorrection
    /// The name of the baseline configuration, if any.
    public let baseline: String?
    /// The configurations, best first.
    public let entries: [Entry]

    /// Ranks configurations.
    ///
    /// - Parameters:
    ///   - samples: Each configuration's metric values, one per run.
    ///   - goal: Whether higher (`maximize`) or lower (`minimize`) values are better.
    ///   - alpha: The significance level, in (0, 1).
    ///   - baseline: A configuration every other one is also compared with.
    ///   - correction: Adjustment of each family of p-values (Holm by default).
    /// - Throws: `RankingError` when there is nothing to rank, a configuration has no runs, or the baseline is
    ///   not among the configurations.
    public init(_ samples: [String: [Double]], goal: OptimizationGoal, alpha: Double = 0.05,
                baseline: String? = nil, correction: MultipleComparisonCorrection = .holm) throws(RankingError) {
        precondition(alpha > 0 && alpha < 1, "[Ranking] alpha must lie in (0, 1), got \(alpha)")
        guard !samples.isEmpty else { throw RankingError(message: "there are no configurations to rank") }
        if let empty = samples.keys.sorted().first(where: { samples[$0]!.isEmpty }) {
            throw RankingError(message: "configuration '\(empty)' has no runs")
        }
        if let baseline, samples[baseline] == nil {
            throw RankingError(message: "unknown baseline '\(baseline)'; configurations: \(samples.keys.sorted().joined(separator: ", "))")
        }
        let summaries = samples.mapValues { SampleSummary($0) }
        let order = summaries.keys.sorted { lhs, rhs in
            let a = summaries[lhs]!.mean, b = summaries[rhs]!.mean
            return a == b ? lhs < rhs : goal.isBetter(a, than: b)
        }
        let versusBest = Self.compare(order.dropFirst(), with: order[0], summaries, alpha, correction)
        let versusBaseline = baseline.map { Self.compare(order.filter { $0 != baseline }, with: $0, summaries, alpha, correction) } ?? [:]
        entries = order.enumerated().map { position, name in
            Entry(name: name, summary: summaries[name]!, rank: position + 1,
                  versusBest: versusBest[name], versusBaseline: versusBaseline[name])
        }
        self.goal = goal
        self.alpha = alpha
        self.correction = correction
        self.baseline = baseline
    }

    /// The best configuration.
    public var best: Entry { entries[0] }

    /// The best configuration and every configuration whose difference from it is not significant.
    public var tiedWithBest: [Entry] { entries.filter { $0.isTiedWithBest == true } }

    /// Tests each of `names` against `reference` and corrects the family's p-values together.
    private static func compare(_ names: some Collection<String>, with reference: String,
                                _ summaries: [String: SampleSummary], _ alpha: Double,
                                _ correction: MultipleComparisonCorrection) -> [String: Comparison] {
        let tests = names.compactMap { name in WelchTest(summaries[name]!, summaries[reference]!).map { (name, $0) } }
        let adjusted = correction.adjusted(tests.map { $0.1.pValue })
        return Dictionary(uniqueKeysWithValues: zip(tests, adjusted).map { pair, p in
            (pair.0, Comparison(test: pair.1, adjustedPValue: p, isSignificant: p < alpha))
        })
    }
}

/// Why a `Ranking` could not be built.
public struct RankingError: Error, Hashable, CustomStringConvertible {
    /// What was wrong, naming the configuration.
    public let message: String
    /// `[ranking] message`.
    public var description: String { "[ranking] \(message)" }
}

extension Ranking: CustomStringConvertible {
    /// A plain-text table: rank, name, mean ± sd, confidence interval, runs, p-values, and ties with the best.
    public var description: String {
        var header = ["rank", "name", "mean", "sd", "95% CI", "n", "p vs best"]
        if let baseline { header.append("p vs \(baseline)") }
        header.append("")
        let rows = entries.map { entry -> [String] in
            let summary = entry.summary
            var row = ["\(entry.rank)", entry.name, Self.format(summary.mean),
                       summary.standardDeviation.map(Self.format) ?? "-",
                       summary.confidenceInterval.map { "[\(Self.format($0.lowerBound)), \(Self.format($0.upperBound))]" } ?? "-",
                       "\(summary.count)",
                       entry.rank == 1 ? "best" : entry.versusBest.map { Self.format($0.adjustedPValue) } ?? "-"]
            if let baseline {
                row.append(entry.name == baseline ? "baseline" : entry.versusBaseline.map { Self.format($0.adjustedPValue) } ?? "-")
            }
            row.append(entry.rank > 1 && entry.isTiedWithBest == true ? "tied with best" : "")
            return row
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        let lines = ([header] + rows).map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        let note = "Welch t-tests, \(correction == .holm ? "Holm-corrected" : "uncorrected"), alpha \(alpha)"
        return (lines + [note]).joined(separator: "\n")
    }

    private static func format(_ value: Double) -> String { String(format: "%.4g", value) }
}
