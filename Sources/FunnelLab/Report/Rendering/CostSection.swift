import Foundation
import FunnelCharts

extension ReportPageBuilder {
    /// Parameters, FLOPs and step time beside accuracy, per study: a table, a sentence per
    /// activation, and per model a scatter and bars relative to the baseline.
    mutating func costSection() {
        var blocks: [HTMLReport.Block] = []
        for cost in analysis.costs {
            let study = cost.study
            if analysis.studies.count > 1 { blocks.append(.heading(study.title)) }
            blocks.append(.table(cost.table()))
            for model in cost.models {
                blocks.append(.list(costSentences(cost, model: model)))
                var row = [figure("cost scatter \(study.dataset) \(model)", cost.scatter(model: model, colors: colors), data: cost.scatterData(model: model))]
                if let bars = cost.relativeCost(model: model) {
                    row.append(figure("cost relative \(study.dataset) \(model)", bars, data: cost.relativeCostData(model: model)))
                }
                blocks.append(.figureRow(row, caption: "\(ReportNames.model(model)): final accuracy against training throughput (left)"
                    + (row.count > 1 ? "; parameters, FLOPs and step time relative to \(ReportNames.activation(analysis.baseline ?? "")) (right)." : ".")))
            }
        }
        if analysis.costs.first?.speed == .recorded {
            blocks.append(.note("Step times here were recorded while the runs trained, so they carry whatever else the machine was doing then. "
                + "`funnel report --measure-speed` times every activation afresh, one after another in one process."))
        }
        guard !blocks.isEmpty else { return }
        sections.append(HTMLReport.Section("Cost against accuracy", blocks: [
            .paragraph("The review's objection to FReLU is latency: a depthwise convolution adds few FLOPs but runs slowly on real hardware. "
                + "Here are parameters and FLOPs beside the measured time of a training step."),
        ] + blocks))
    }

    func costSentences(_ cost: CostAccuracy, model: String) -> [String] {
        guard let baseline = analysis.baseline, let base = cost.rows.first(where: { $0.model == model && $0.act == baseline }) else { return [] }
        return cost.rows.filter { $0.model == model && $0.act != baseline }.map { row in
            var text = "**\(ReportNames.activation(row.act))**: "
            if row.parameters == base.parameters && row.flops == base.flops {
                text += "the same parameters and FLOPs"
            } else {
                text += ReportFormat.signed(Self.percent(row.parameters, base.parameters), decimals: 1) + "% parameters, "
                    + ReportFormat.signed(Self.percent(row.flops, base.flops), decimals: 1) + "% FLOPs"
            }
            if let s = row.stepSeconds, let b = base.stepSeconds, b > 0 {
                text += String(format: ", a training step %.2f\u{00D7} as long as %@'s", s / b, ReportNames.activation(baseline))
            }
            if let a = row.top1, let b = base.top1 {
                text += ", \((cost.metric ?? .top1).label) " + ReportFormat.signed(a.mean - b.mean) + " points"
                if let comparison = analysis.results(of: cost.study)?.entry(model: model, act: row.act)?.top1VersusBaseline {
                    text += comparison.isSignificant ? " (significant, \(ReportFormat.pEquals(comparison.adjustedPValue)))"
                        : " (not significant, \(ReportFormat.pEquals(comparison.adjustedPValue)))"
                } else {
                    text += " (untested: single runs)"
                }
            }
            return text + "."
        }
    }

    static func percent(_ value: Int, _ base: Int) -> Double {
        base > 0 ? (Double(value) / Double(base) - 1) * 100 : 0
    }
}

/// The costs' table and charts.
extension CostAccuracy {
    private func baselineRow(_ model: String) -> Row? {
        rows.first { $0.model == model && $0.act == baseline }
    }

    /// `value / baseline's`, nil without a baseline.
    private func ratio(_ row: Row, _ value: (Row) -> Double?) -> Double? {
        guard let base = baselineRow(row.model), let v = value(row), let b = value(base), b > 0 else { return nil }
        return v / b
    }

    private var speedWords: String {
        switch speed {
        case .recorded: "recorded during training (mean over epochs and runs)"
        case let .measured(_, steps): "measured now: median of \(steps) SGD step\(steps == 1 ? "" : "s") after 2 warm-up steps, every activation in one process"
        }
    }

    /// Every row's costs and accuracy.
    public func table() -> HTMLTable {
        let baseName = baseline.map(ReportNames.activation) ?? "baseline"
        let multipleModels = models.count > 1
        // "Best" only compares within one model; across models a column mixes unlike things.
        func best(_ b: HTMLTable.Best) -> HTMLTable.Best { multipleModels ? .none : b }
        let columns = (multipleModels ? [HTMLTable.Column("activation", alignment: .left)] : []) + [
            HTMLTable.Column("params", format: .fixed(0)),
            HTMLTable.Column("FLOPs", format: .fixed(0)),
            HTMLTable.Column("\u{00D7} \(baseName)", format: .fixed(3)),
            HTMLTable.Column("images/s", best: best(.highest), format: .fixed(0)),
            HTMLTable.Column("step (ms)", best: best(.lowest), format: .fixed(1)),
            HTMLTable.Column("\u{00D7} \(baseName)", format: .fixed(2)),
            HTMLTable.Column("\((metric ?? .top1).label) (%)", best: best(.highest), format: .fixed(2)),
        ]
        let tableRows = rows.enumerated().map { index, row -> HTMLTable.Row in
            let firstOfModel = index == 0 || rows[index - 1].model != row.model
            let header = multipleModels ? (firstOfModel ? ReportNames.model(row.model) : "") : ReportNames.activation(row.act)
            let actCell: [HTMLTable.Cell] = multipleModels ? [.text(ReportNames.activation(row.act))] : []
            return HTMLTable.Row(header, actCell + [
                HTMLTable.Cell(Double(row.parameters), text: ReportFormat.count(row.parameters)),
                HTMLTable.Cell(Double(row.flops), text: ReportFormat.count(row.flops)),
                ratio(row, { Double($0.flops) }).map { HTMLTable.Cell($0) } ?? .empty,
                row.imagesPerSecond.map { HTMLTable.Cell($0.mean, spread: $0.standardDeviation) } ?? .empty,
                row.stepSeconds.map { HTMLTable.Cell($0 * 1000) } ?? .empty,
                ratio(row, { $0.stepSeconds }).map { HTMLTable.Cell($0) } ?? .empty,
                row.top1.map { HTMLTable.Cell($0.mean, spread: $0.standardDeviation) } ?? .empty,
            ], separated: index > 0 && firstOfModel)
        }
        let batches = Set(rows.map(\.batchSize)).sorted().map(String.init).joined(separator: ", ")
        return HTMLTable(
            caption: "Cost and accuracy per activation, \(study.title).", rowHeaderTitle: multipleModels ? "Model" : "Activation",
            columns: columns, rows: tableRows,
            footnote: "FLOPs: multiply-adds of convolutions and linear layers for one image (the papers' convention). "
                + "Step time at batch \(batches), \(speedWords)"
                + (machines.isEmpty ? "" : " on \(machines.joined(separator: "; "))") + ". "
                + "\u{00D7} \(baseName): the FLOPs or step time to its left over those of the same model with \(baseName). Top-1: final epoch, mean \u{00B1} std over runs.")
    }

    /// Accuracy against training throughput for one model: up and to the right is better.
    public func scatter(model: String, colors: [String: Color]) -> Plot {
        // One point per activation with both measures: its error bars under it, its name beside it.
        var marks: [any Mark] = [], labels: [(x: Double, y: Double, text: String)] = []
        for (index, row) in rows.filter({ $0.model == model }).enumerated() {
            guard let ips = row.imagesPerSecond, let top1 = row.top1 else { continue }
            let color = colors[row.act] ?? Palette.color(index)
            marks += [ErrorBars(x: [ips.mean], y: [top1.mean], xError: [ips.standardDeviation ?? 0], yError: [top1.standardDeviation ?? 0], color: color),
                      Points(nil, x: [ips.mean], y: [top1.mean], color: color)]
            labels.append((ips.mean, top1.mean, ReportNames.activation(row.act)))
        }
        return Plot(title: "Accuracy against training speed", subtitle: "\(ReportNames.model(model)); up and to the right is better; bars: \u{00B1} 1 std",
                    x: Axis("training images per second", padding: 0.12), y: Axis("final test \((metric ?? .top1).label) (%)", padding: 0.15),
                    size: ChartSize(width: 450, height: 330), marks: marks + [Labels(x: labels.map(\.x), y: labels.map(\.y), texts: labels.map(\.text))])
    }

    /// Parameters, FLOPs and step time relative to the baseline, per activation, for one model:
    /// where the bars part, FLOPs do not tell the cost.
    public func relativeCost(model: String) -> Plot? {
        guard baselineRow(model) != nil else { return nil }
        let modelRows = rows.filter { $0.model == model }
        let baseName = baseline.map(ReportNames.activation) ?? "baseline"
        return Plot(title: "Cost relative to \(baseName)", subtitle: "\(ReportNames.model(model)); 1 = as costly as \(baseName)",
                    x: .categories(modelRows.map { ReportNames.activation($0.act) }), y: Axis("\u{00D7} \(baseName)", padding: 0.02),
                    size: ChartSize(width: 450, height: 330), marks: [
                        Bars([Bars.Series("parameters", values: modelRows.map { ratio($0, { Double($0.parameters) }) }, color: Palette.okabeIto[5]),
                              Bars.Series("FLOPs", values: modelRows.map { ratio($0, { Double($0.flops) }) }, color: Palette.okabeIto[0]),
                              Bars.Series("training step time", values: modelRows.map { ratio($0, { $0.stepSeconds }) }, color: Palette.okabeIto[1])]),
                        ReferenceLine(.horizontal(1)),
                    ])
    }

    /// The scatter's data: a row per activation with both measures.
    func scatterData(model: String) -> FigureData {
        FigureData(columns: ["dataset", "epochs", "model", "act", "images_per_second", "images_per_second_std", "top1", "top1_std"],
                   rows: rows.filter { $0.model == model && $0.imagesPerSecond != nil && $0.top1 != nil }.map { row in
                       [.text(study.dataset), study.epochs.map { .integer($0) } ?? .number(nil), .text(row.model), .text(row.act),
                        .number(row.imagesPerSecond?.mean), .number(row.imagesPerSecond?.standardDeviation),
                        .number(row.top1?.mean), .number(row.top1?.standardDeviation)]
                   })
    }

    /// The bars' data: a row per activation, its costs and their ratios to the baseline's.
    func relativeCostData(model: String) -> FigureData {
        FigureData(columns: ["dataset", "epochs", "model", "act", "parameters", "flops", "step_seconds",
                             "parameters_ratio", "flops_ratio", "step_seconds_ratio"],
                   rows: rows.filter { $0.model == model }.map { row in
                       [.text(study.dataset), study.epochs.map { .integer($0) } ?? .number(nil), .text(row.model), .text(row.act),
                        .integer(row.parameters), .integer(row.flops), .number(row.stepSeconds),
                        .number(ratio(row, { Double($0.parameters) })), .number(ratio(row, { Double($0.flops) })), .number(ratio(row, { $0.stepSeconds }))]
                   })
    }
}
