import Foundation
import FunnelCharts

extension ReportPageBuilder {
    /// The paper's ImageNet models counted, beside the paper's figures.
    mutating func complexitySection() {
        guard let table = analysis.complexity else { return }
        sections.append(HTMLReport.Section("The paper's ImageNet models", blocks: [
            .paragraph("Parameters and FLOPs of the FReLU paper's ImageNet models, built by Funnel and counted on one 224\u{00D7}224 image, beside the figures the paper prints."),
            .table(table.table()),
            .list(table.matchingNotes()),
        ]))
    }
}

/// Funnel's counts beside the paper's, as a table and sentences.
extension ComplexityTable {
    /// Funnel's counts beside the paper's.
    public func table() -> HTMLTable {
        let columns = [
            HTMLTable.Column("activation", alignment: .left),
            HTMLTable.Column("params", format: .fixed(2)),
            HTMLTable.Column("paper", format: .fixed(1)),
            HTMLTable.Column("FLOPs", format: .fixed(0)),
            HTMLTable.Column("paper", format: .fixed(0)),
            HTMLTable.Column("vs ReLU"),
            HTMLTable.Column("paper err (%)", format: .fixed(1)),
        ]
        let tableRows = rows.enumerated().map { index, row -> HTMLTable.Row in
            let c = row.configuration
            let relu = rows.first { $0.configuration.model == c.model && $0.configuration.act == "relu" }
            let increase = relu.flatMap { r -> String? in
                guard c.act != "relu", r.flops > 0 else { return nil }
                return String(format: "+%.1f%%", (Double(row.flops) / Double(r.flops) - 1) * 100)
            }
            let firstOfModel = index == 0 || rows[index - 1].configuration.model != c.model
            let paper = c.note == nil ? row.paper : nil
            return HTMLTable.Row(firstOfModel ? ReportNames.model(c.model) : "", [
                .text(ReportNames.activation(c.act) + (c.note.map { " (\($0))" } ?? "")),
                HTMLTable.Cell(Double(row.parameters) / 1e6, text: String(format: "%.2fM", Double(row.parameters) / 1e6)),
                paper.map { HTMLTable.Cell($0.parameters / 1e6, text: $0.printedParameters) } ?? .empty,
                HTMLTable.Cell(Double(row.flops), text: Self.flops(Double(row.flops))),
                paper.map { HTMLTable.Cell($0.flops, text: $0.printedFlops) } ?? .empty,
                increase.map { HTMLTable.Cell.text($0) } ?? .empty,
                paper.map { HTMLTable.Cell($0.top1Error) } ?? .empty,
            ], separated: index > 0 && firstOfModel)
        }
        return HTMLTable(
            caption: "The paper's ImageNet models at 224\u{00D7}224: Funnel's counts beside the paper's figures.",
            rowHeaderTitle: "Model", columns: columns, rows: tableRows,
            footnote: "\u{201C}paper\u{201D}: the figure the paper prints beside the count on its left; paper err: its ImageNet top-1 error, not measured here. "
                + "\u{201C}3\u{00D7}3 slots\u{201D}: FReLU at the stem and after the bottlenecks' 3\u{00D7}3 convolutions, ReLU after their 1\u{00D7}1s. "
                + "FLOPs are multiply-adds of convolutions and linear layers (batch norm, pooling and activations not counted), "
                + "as in the paper; a funnel condition adds C\u{00B7}k\u{00B2} parameters (+ C bias + 2C batch norm) and C\u{00B7}k\u{00B2}\u{00B7}H\u{00B7}W FLOPs per layer.")
    }

    /// For each paper FReLU figure, which counted configuration of that model comes closest in
    /// FLOPs, as sentences.
    public func matchingNotes() -> [String] {
        var out: [String] = []
        for figure in Self.paper where figure.act != "relu" {
            let candidates = rows.filter { $0.configuration.model == figure.model && $0.configuration.act != "relu" }
            guard let best = candidates.min(by: { abs(Double($0.flops) - figure.flops) < abs(Double($1.flops) - figure.flops) }) else { continue }
            let c = best.configuration
            let relative = abs(Double(best.flops) / figure.flops - 1)
            let name = ReportNames.activation(c.act) + (c.note.map { " (\($0))" } ?? "")
            let model = ReportNames.model(figure.model)
            if relative < 0.01 {
                out.append("\(model): the paper's \(figure.printedFlops) with FReLU is matched by \(name): \(Self.flops(Double(best.flops))).")
            } else {
                out.append("\(model): no variant counted here matches the paper's \(figure.printedFlops) with FReLU; the nearest is \(name) at "
                    + "\(Self.flops(Double(best.flops))), \(String(format: "%.0f", relative * 100))% off.")
            }
        }
        return out
    }

    /// `3.86G`, `325M`.
    static func flops(_ value: Double) -> String {
        value >= 1e9 ? String(format: "%.2fG", value / 1e9) : String(format: "%.0fM", value / 1e6)
    }
}
