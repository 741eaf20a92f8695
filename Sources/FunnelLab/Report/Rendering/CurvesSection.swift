import Foundation
import FunnelCharts

extension ReportPageBuilder {
    /// Test accuracy and loss per epoch, a pair of charts per study and model.
    mutating func curvesSection() {
        var blocks: [HTMLReport.Block] = [
            .paragraph("Test accuracy and loss after every epoch. Lines are means over seeds; where two or more runs cover an epoch, the band spans \u{00B1} one standard deviation."),
        ]
        for curves in analysis.curves {
            let (study, model) = (curves.study, curves.model)
            let id = "\(study.dataset) \(model)"
            let caption = "\(ReportNames.model(model)) on \(study.title): test \(curves.accuracyLabel) (left) and test loss (right) per epoch"
                + (curves.hasBands ? ", mean \u{00B1} one standard deviation over seeds." : "; one run per activation, so no band.")
            blocks.append(.figureRow([figure("curves accuracy \(id)", curves.accuracyChart(colors: colors), data: curves.data(\.accuracy)),
                                      figure("curves loss \(id)", curves.lossChart(colors: colors), data: curves.data(\.loss))],
                                     caption: caption))
        }
        sections.append(HTMLReport.Section("Learning curves", blocks: blocks))
    }
}

/// The curves' charts: one line per activation (the mean over seeds) with a band of ± one
/// standard deviation where two or more runs cover an epoch.
extension LearningCurves {
    /// Name of the accuracy figure (`top-1` or `mIoU`).
    public var accuracyLabel: String { (metric ?? .top1).label }

    /// Test accuracy (top-1 or mIoU) per epoch.
    public func accuracyChart(colors: [String: Color], size: ChartSize = ChartSize(width: 450, height: 330)) -> Plot {
        chart(accuracy, title: "Test accuracy", y: Axis("\(accuracyLabel) (%)", padding: 0.03), colors: colors, size: size)
    }

    /// Test loss per epoch.
    public func lossChart(colors: [String: Color], size: ChartSize = ChartSize(width: 450, height: 330)) -> Plot {
        chart(loss, title: "Test loss", y: .log("cross-entropy (log scale)", padding: 0.03), colors: colors, size: size)
    }

    private func chart(_ curves: [String: [ReportData.CurvePoint]], title: String, y: Axis, colors: [String: Color], size: ChartSize) -> Plot {
        // Every band under every line.
        var bands: [any Mark] = [], lines: [any Mark] = []
        for (index, act) in acts.enumerated() {
            guard let points = curves[act], !points.isEmpty else { continue }
            let (x, mean) = (points.map { Double($0.epoch) }, points.map(\.summary.mean))
            let (name, color) = (ReportNames.activation(act), colors[act] ?? Palette.color(index))
            if points.contains(where: { $0.summary.count >= 2 }) {
                bands.append(Band(name, x: x, mean: mean, std: points.map { $0.summary.standardDeviation ?? 0 }, color: color))
            }
            lines.append(Line(name, x: x, y: mean, color: color, markers: points.count <= 12))
        }
        let epochs = curves.values.flatMap { $0.map(\.epoch) }
        let span = (epochs.max() ?? 1) - (epochs.min() ?? 1)
        return Plot(title: title, subtitle: "\(ReportNames.model(model)), \(study.title)" + (hasBands ? "; band: \u{00B1} 1 std over seeds" : ""),
                    x: Axis("epoch", format: .fixed(0), tickCount: min(max(span, 1), 6)), y: y, size: size, marks: bands + lines)
    }

    /// One metric's curves: a row per activation and epoch, the standard deviation empty for a
    /// single run.
    func data(_ metric: KeyPath<LearningCurves, [String: [ReportData.CurvePoint]]>) -> FigureData {
        FigureData(columns: ["dataset", "epochs", "model", "act", "epoch", "mean", "std", "runs"], rows: acts.flatMap { act in
            (self[keyPath: metric][act] ?? []).map { point -> [FigureData.Value] in
                [.text(study.dataset), study.epochs.map { .integer($0) } ?? .number(nil), .text(model), .text(act),
                 .integer(point.epoch), .number(point.summary.mean), .number(point.summary.standardDeviation), .integer(point.summary.count)]
            }
        })
    }
}
