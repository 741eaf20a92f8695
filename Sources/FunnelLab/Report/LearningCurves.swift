import Foundation
import FunnelCharts

/// Test accuracy and test loss per epoch, one line per activation (the mean over seeds) with a
/// band of ± one standard deviation where two or more runs cover an epoch.
public struct LearningCurves: Sendable {
    public let study: ReportData.Study
    public let model: String
    /// Activations drawn, in report order.
    public let acts: [String]
    /// Test top-1 (percent) per epoch, per activation.
    public let accuracy: [String: [ReportData.CurvePoint]]
    /// Test loss per epoch, per activation.
    public let loss: [String: [ReportData.CurvePoint]]
    let colors: [String: Color]

    public init(data: ReportData, study: ReportData.Study, model: String) {
        self.study = study
        self.model = model
        let groups = data.acts(in: study, model: model).compactMap { data.group(study, model: model, act: $0) }
        acts = groups.map(\.act)
        accuracy = Dictionary(uniqueKeysWithValues: groups.map { ($0.act, $0.curve("test_top1")) })
        loss = Dictionary(uniqueKeysWithValues: groups.map { ($0.act, $0.curve("test_loss")) })
        colors = data.colors
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

    /// Test top-1 accuracy per epoch.
    public func accuracyChart(size: ChartSize = ChartSize(width: 450, height: 330)) -> LineChart {
        chart(accuracy, title: "Test accuracy", yAxis: ChartAxis("top-1 (%)"), size: size)
    }

    /// Test loss per epoch.
    public func lossChart(size: ChartSize = ChartSize(width: 450, height: 330)) -> LineChart {
        chart(loss, title: "Test loss", yAxis: .log("cross-entropy (log scale)"), size: size)
    }

    private func chart(_ curves: [String: [ReportData.CurvePoint]], title: String, yAxis: ChartAxis, size: ChartSize) -> LineChart {
        let series = acts.compactMap { act -> LineSeries? in
            guard let points = curves[act], !points.isEmpty else { return nil }
            let x = points.map { Double($0.epoch) }
            let mean = points.map(\.summary.mean)
            let name = ReportNames.activation(act)
            let marker: MarkerShape? = points.count <= 12 ? .circle : nil
            guard points.contains(where: { $0.summary.count >= 2 }) else {
                return LineSeries(name, x: x, y: mean, color: colors[act], marker: marker)
            }
            let std = points.map { $0.summary.standardDeviation ?? 0 }
            return LineSeries.meanAndSpread(name, x: x, mean: mean, std: std, color: colors[act], marker: marker)
        }
        let epochs = curves.values.flatMap { $0.map(\.epoch) }
        let span = (epochs.max() ?? 1) - (epochs.min() ?? 1)
        return LineChart(
            title: title, subtitle: "\(ReportNames.model(model)), \(study.title)" + (hasBands ? "; band: \u{00B1} 1 std over seeds" : ""),
            series: series,
            xAxis: ChartAxis("epoch", format: .fixed(0), tickCount: min(max(span, 1), 6)),
            yAxis: yAxis, size: size, legend: .bottom)
    }
}
