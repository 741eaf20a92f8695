import Foundation
import FunnelStats

/// The results of one study: test accuracy and loss as mean ± std over runs, per model and
/// activation, each activation tested against the baseline (Welch's t-test, Holm-corrected over
/// the model's activations), and rankings that say which differences from the best are within
/// noise. The page draws them in the paper's form (`ResultsSection.swift`).
///
/// Figures are the final epoch's test metrics of each run (accuracy in percent): top-1, or mIoU
/// for a segmentation study (`metric`); the `top1` names below hold whichever it is.
public struct ResultsTable: Codable, Sendable {
    /// One configuration's figures.
    public struct Entry: Codable, Sendable {
        public let model: String
        public let act: String
        /// Final test top-1 (percent) over the runs; nil when no run evaluated.
        public let top1: StoredSummary?
        /// Final test loss over the runs.
        public let loss: StoredSummary?
        /// Top-1 against the baseline; nil for the baseline itself, without a baseline, or when
        /// either side has fewer than two runs.
        public let top1VersusBaseline: StoredComparison?
        /// Loss against the baseline, likewise.
        public let lossVersusBaseline: StoredComparison?
        /// The top-1 values behind `top1`, one per run.
        public let top1Values: [Double]
        /// The loss values behind `loss`.
        public let lossValues: [Double]
    }

    public let study: ReportData.Study
    /// What the accuracy figures measure; nil (top-1) in analyses written before segmentation.
    public let metric: ReportData.AccuracyMetric?
    public let models: [String]
    /// Activations in report order (baseline first).
    public let acts: [String]
    public let baseline: String?
    /// Significance level of every test.
    public let alpha: Double
    public let entries: [Entry]
    /// Per model: activations ranked by top-1 (highest first).
    public let top1Rankings: [String: StoredRanking]
    /// Per model: activations ranked by loss (lowest first).
    public let lossRankings: [String: StoredRanking]

    /// Computes the figures of `study` from `data`.
    public init(data: ReportData, study: ReportData.Study, alpha: Double = 0.05) {
        self.study = study
        self.alpha = alpha
        metric = data.accuracyMetric(of: study)
        baseline = data.baseline
        models = data.models(in: study)
        acts = data.acts.filter { act in data.groups.contains { $0.study == study && $0.act == act } }
        var entries: [Entry] = []
        var top1Rankings: [String: StoredRanking] = [:]
        var lossRankings: [String: StoredRanking] = [:]
        for model in models {
            let groups = data.acts(in: study, model: model).compactMap { data.group(study, model: model, act: $0) }
            let top1 = Dictionary(uniqueKeysWithValues: groups.map { ($0.act, $0.finalAccuracy) }.filter { !$0.1.isEmpty })
            let loss = Dictionary(uniqueKeysWithValues: groups.map { ($0.act, $0.finalLoss) }.filter { !$0.1.isEmpty })
            let top1Ranking = Self.rank(top1, goal: .maximize, alpha: alpha, baseline: data.baseline)
            let lossRanking = Self.rank(loss, goal: .minimize, alpha: alpha, baseline: data.baseline)
            top1Rankings[model] = top1Ranking
            lossRankings[model] = lossRanking
            for group in groups {
                let a = top1Ranking?.entries.first { $0.name == group.act }
                let l = lossRanking?.entries.first { $0.name == group.act }
                entries.append(Entry(model: model, act: group.act, top1: a?.summary, loss: l?.summary,
                                     top1VersusBaseline: a?.versusBaseline, lossVersusBaseline: l?.versusBaseline,
                                     top1Values: top1[group.act] ?? [], lossValues: loss[group.act] ?? []))
            }
        }
        self.entries = entries
        self.top1Rankings = top1Rankings
        self.lossRankings = lossRankings
    }

    private static func rank(_ samples: [String: [Double]], goal: OptimizationGoal, alpha: Double, baseline: String?) -> StoredRanking? {
        guard !samples.isEmpty else { return nil }
        return (try? Ranking(samples, goal: goal, alpha: alpha, baseline: baseline.flatMap { samples[$0] == nil ? nil : $0 })).map(StoredRanking.init)
    }

    /// What the accuracy figures measure.
    public var accuracy: ReportData.AccuracyMetric { metric ?? .top1 }

    /// The figures of one configuration.
    public func entry(model: String, act: String) -> Entry? {
        entries.first { $0.model == model && $0.act == act }
    }

    /// Whether any figure rests on two or more runs (so that anything could be tested).
    public var hasReplicates: Bool {
        entries.contains { ($0.top1?.count ?? 0) >= 2 }
    }
}
