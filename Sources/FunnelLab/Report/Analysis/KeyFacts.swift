import Foundation

/// The few numbers the page shows first, under its title: the best mean accuracy, how many
/// activations differ significantly from the baseline, and what a FReLU training step costs.
public struct KeyFacts: Codable, Sendable {
    /// The highest mean accuracy (top-1, or mIoU for segmentation) of the first study.
    public struct Best: Codable, Sendable {
        public let study: ReportData.Study
        public let model: String
        public let act: String
        /// Mean final accuracy (percent).
        public let mean: Double
        /// What `mean` measures (top-1 or mIoU); nil (top-1) in analyses written before segmentation.
        public let metric: ReportData.AccuracyMetric?
        /// Activations of the same model not significantly below it.
        public let tiedOthers: Int
    }

    /// Accuracy tests against the baseline, over every study and model.
    public struct VersusBaseline: Codable, Sendable {
        public let baseline: String
        /// Configurations other than the baseline.
        public let compared: Int
        /// Those with a test (two or more runs on both sides).
        public let tested: Int
        /// Those whose Holm-corrected difference is significant.
        public let significant: Int
    }

    /// The first FReLU's training step against the baseline's, in the first study.
    public struct StepCost: Codable, Sendable {
        public let model: String
        public let act: String
        public let baseline: String
        /// FReLU's step time over the baseline's.
        public let stepRatio: Double
        /// FReLU's FLOPs over the baseline's.
        public let flopsRatio: Double
    }

    public let best: Best?
    /// nil without a baseline.
    public let versusBaseline: VersusBaseline?
    /// nil without a baseline, a FReLU run or step times for both.
    public let freluStep: StepCost?

    /// Picks the facts from the results and costs (in study order).
    init(results: [ResultsTable], costs: [CostAccuracy], baseline: String?, kinds: [String: ActivationKind]) {
        if let table = results.first {
            best = table.entries.compactMap { e in e.top1.map { (e, $0) } }.max { $0.1.mean < $1.1.mean }.map { entry, summary in
                Best(study: table.study, model: entry.model, act: entry.act, mean: summary.mean, metric: table.metric,
                     tiedOthers: (table.top1Rankings[entry.model]?.tiedWithBest.count ?? 1) - 1)
            }
        } else {
            best = nil
        }
        if let baseline {
            let comparisons = results.flatMap(\.entries).filter { $0.act != baseline }
            let tested = comparisons.compactMap(\.top1VersusBaseline)
            versusBaseline = VersusBaseline(baseline: baseline, compared: comparisons.count, tested: tested.count,
                                            significant: tested.filter(\.isSignificant).count)
        } else {
            versusBaseline = nil
        }
        freluStep = Self.freluStep(results.first.flatMap { first in costs.first { $0.study == first.study } }, baseline: baseline, kinds: kinds)
    }

    private static func freluStep(_ cost: CostAccuracy?, baseline: String?, kinds: [String: ActivationKind]) -> StepCost? {
        guard let cost, let baseline else { return nil }
        for row in cost.rows where row.act != baseline && kinds[row.act] == .frelu {
            if let base = cost.rows.first(where: { $0.model == row.model && $0.act == baseline }),
               let s = row.stepSeconds, let b = base.stepSeconds, b > 0 {
                return StepCost(model: row.model, act: row.act, baseline: baseline, stepRatio: s / b,
                                flopsRatio: Double(row.flops) / Double(max(1, base.flops)))
            }
        }
        return nil
    }
}
