import Foundation

/// Test accuracy and test loss per epoch of one study and model: per activation, the mean over
/// seeds and its standard deviation where two or more runs cover an epoch.
public struct LearningCurves: Codable, Sendable {
    public let study: ReportData.Study
    public let model: String
    /// Activations, in report order.
    public let acts: [String]
    /// What `accuracy` measures; nil (top-1) in analyses written before segmentation.
    public let metric: ReportData.AccuracyMetric?
    /// Test accuracy (percent; top-1 or mIoU) per epoch, per activation.
    public let accuracy: [String: [ReportData.CurvePoint]]
    /// Test loss per epoch, per activation.
    public let loss: [String: [ReportData.CurvePoint]]

    public init(data: ReportData, study: ReportData.Study, model: String) {
        self.study = study
        self.model = model
        let groups = data.acts(in: study, model: model).compactMap { data.group(study, model: model, act: $0) }
        acts = groups.map(\.act)
        metric = groups.first?.accuracyMetric
        accuracy = Dictionary(uniqueKeysWithValues: groups.map { ($0.act, $0.curve($0.accuracyMetric.field)) })
        loss = Dictionary(uniqueKeysWithValues: groups.map { ($0.act, $0.curve("test_loss")) })
    }

    /// Whether any epoch of any activation has two or more runs (and so a band).
    public var hasBands: Bool {
        accuracy.values.contains { $0.contains { $0.summary.count >= 2 } }
    }

    /// Runs behind the curves: the smallest and largest count over activations and epochs.
    public var runCounts: ClosedRange<Int>? {
        let counts = accuracy.values.flatMap { $0.map(\.summary.count) }
        guard let low = counts.min(), let high = counts.max() else { return nil }
        return low...high
    }
}
