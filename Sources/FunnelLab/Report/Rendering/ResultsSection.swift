import Foundation
import FunnelCharts

extension ReportPageBuilder {
    /// The paper's table per study, the ranking in words per model, and the tests behind the marks.
    mutating func resultsSection() {
        var blocks: [HTMLReport.Block] = []
        let multipleStudies = analysis.studies.count > 1
        for table in analysis.results {
            if multipleStudies { blocks.append(.heading(table.study.title)) }
            blocks.append(.table(table.table()))
            for model in table.models {
                let sentences = table.rankingSentences(model: model)
                guard !sentences.isEmpty else { continue }
                let prefix = table.models.count > 1 ? "\(ReportNames.model(model)): " : ""
                blocks.append(.paragraph(prefix + sentences.joined(separator: " ")))
                if table.top1Rankings[model]?.entries.contains(where: { $0.summary.count >= 2 }) == true {
                    blocks.append(.table(table.significanceTable(model: model)))
                }
            }
        }
        sections.append(HTMLReport.Section("Results", blocks: blocks))
    }
}

/// The results' tables and sentences.
extension ResultsTable {
    private var baselineName: String { baseline.map(ReportNames.activation) ?? "the baseline" }

    /// Significance mark of a comparison: `†` significant, `n.s.` not, nil untested.
    static func mark(_ comparison: StoredComparison?) -> String? {
        comparison.map { $0.isSignificant ? "\u{2020}" : "n.s." }
    }

    /// The main table marks only significant differences, as papers do; the rest is in the
    /// significance table.
    static func significantMark(_ comparison: StoredComparison?) -> String? {
        comparison?.isSignificant == true ? "\u{2020}" : nil
    }

    /// The paper's table: one row per activation; per model a top-1 and a loss column.
    public func table() -> HTMLTable {
        let multipleModels = models.count > 1
        var columns: [HTMLTable.Column] = []
        for model in models {
            let prefix = multipleModels ? ReportNames.model(model) + " " : ""
            columns.append(HTMLTable.Column(prefix + "\(accuracy.label) (%)", best: .highest, format: .fixed(2)))
            columns.append(HTMLTable.Column(prefix + "test loss", best: .lowest, format: .fixed(3)))
        }
        let rows = acts.map { act in
            HTMLTable.Row(ReportNames.activation(act), models.flatMap { model -> [HTMLTable.Cell] in
                guard let e = entry(model: model, act: act) else { return [.empty, .empty] }
                return [Self.cell(e.top1, e.top1VersusBaseline), Self.cell(e.loss, e.lossVersusBaseline)]
            })
        }
        let modelText = multipleModels ? "" : ReportNames.model(models.first ?? "") + " on "
        var footnote = "Final epoch's test metrics, mean \u{00B1} standard deviation over runs (seeds); n: runs behind the figure. "
            + "Best per column in **bold**. "
        if baseline != nil {
            footnote += "\u{2020}: differs from \(baselineName) (Welch's t-test, Holm-corrected over the model's activations, p < \(Self.alphaText(alpha))). "
                + "Unmarked: no significant difference, or untested where a side has a single run (n=1)."
        } else {
            footnote += "No ReLU runs, so no activation is tested against a baseline; see the ranking below."
        }
        return HTMLTable(caption: "Test accuracy and loss, \(modelText)\(study.title).", rowHeaderTitle: "Activation",
                         columns: columns, rows: rows, footnote: footnote)
    }

    static func alphaText(_ alpha: Double) -> String {
        NumberFormat.auto.string(alpha)
    }

    private static func cell(_ summary: StoredSummary?, _ comparison: StoredComparison?) -> HTMLTable.Cell {
        guard let summary else { return .empty }
        return HTMLTable.Cell(summary.mean, spread: summary.standardDeviation, mark: significantMark(comparison), note: "n=\(summary.count)")
    }

    /// The tests behind the marks for one model: top-1 with its 95 % interval, the difference
    /// from the baseline with the Welch interval, raw and Holm-adjusted p, and the verdict
    /// against the best.
    public func significanceTable(model: String) -> HTMLTable {
        let ranking = top1Rankings[model]
        let level = Int((ranking?.entries.first?.summary.confidenceLevel ?? 0.95) * 100)
        let columns = [
            HTMLTable.Column("runs", format: .fixed(0)),
            HTMLTable.Column("\(accuracy.label) (%)", format: .fixed(2)),
            HTMLTable.Column("\(level)% CI"),
            HTMLTable.Column("\u{0394} vs \(baselineName) [\(level)% CI]"),
            HTMLTable.Column("p"),
            HTMLTable.Column("p (Holm)"),
            HTMLTable.Column("vs best", alignment: .left),
        ]
        let rows = (ranking?.entries ?? []).map { entry -> HTMLTable.Row in
            let s = entry.summary
            var cells: [HTMLTable.Cell] = [
                HTMLTable.Cell(Double(s.count)),
                HTMLTable.Cell(s.mean, spread: s.standardDeviation, emphasis: entry.rank == 1),
                s.confidenceInterval.map { .text(ReportFormat.interval($0)) } ?? .empty,
            ]
            if entry.name == baseline {
                cells += [.text("baseline"), .empty, .empty]
            } else if let c = entry.versusBaseline {
                let interval = ReportFormat.interval(c.confidenceInterval)
                cells += [.text(ReportFormat.signed(c.meanDifference) + " " + interval),
                          .text(ReportFormat.pValue(c.pValue)), .text(ReportFormat.pValue(c.adjustedPValue), mark: Self.mark(c))]
            } else if let base = baseline, let b = ranking?.entries.first(where: { $0.name == base }) {
                cells += [.text(ReportFormat.signed(s.mean - b.summary.mean)), .text("untested"), .empty]
            } else {
                cells += [.empty, .empty, .empty]
            }
            switch entry.isTiedWithBest {
            case nil: cells.append(.text("untested"))
            case true? where entry.rank == 1: cells.append(.text("best"))
            case true?: cells.append(.text("tied", note: ReportFormat.pEquals(entry.versusBest?.adjustedPValue ?? 1)))
            case false?: cells.append(.text(ranking?.goal == .minimize ? "higher" : "lower", note: ReportFormat.pEquals(entry.versusBest?.adjustedPValue ?? 0)))
            }
            return HTMLTable.Row(ReportNames.activation(entry.name), cells)
        }
        return HTMLTable(
            caption: "Test \(accuracy.label) (%) of \(ReportNames.model(model)) on \(study.title), ranked, with the tests behind the marks.",
            rowHeaderTitle: "Activation", columns: columns, rows: rows,
            footnote: "CI: interval of the mean. \u{0394}: difference of means in percentage points, with Welch's interval. "
                + "p: Welch's t-test against \(baselineName); p (Holm): adjusted over the model's comparisons with \(baselineName), \u{2020} below \(Self.alphaText(alpha)), n.s. above. "
                + "vs best: Welch's t-test against the best mean, Holm-corrected; \u{201C}tied\u{201D} means these runs cannot tell the two apart.")
    }

    /// Plain sentences for one model: who is best, who is tied with the best, who is worse, and
    /// what cannot be tested.
    public func rankingSentences(model: String) -> [String] {
        var out: [String] = []
        let rankings = [top1Rankings[model], lossRankings[model]].compactMap { $0 }
        if let ranking = top1Rankings[model] {
            out.append(Self.sentence(ranking, metric: accuracy.label, value: { String(format: "%.2f%%", $0) }, alpha: alpha))
        }
        if let ranking = lossRankings[model] {
            out.append(Self.sentence(ranking, metric: "test loss", value: { String(format: "%.3f", $0) }, alpha: alpha))
        }
        let untestable = rankings.allSatisfy { ranking in
            ranking.entries.dropFirst().allSatisfy { $0.isTiedWithBest == nil }
        }
        if untestable && rankings.contains(where: { $0.entries.count > 1 }) {
            out.append(rankings.allSatisfy { $0.entries.allSatisfy { $0.summary.count < 2 } }
                ? "With one run per activation no difference can be tested, so this order may be seed noise; train more seeds (`--seeds 0,1,2,3,4`) to tell."
                : "No difference from the best could be tested: it or the others rest on fewer than two runs.")
        }
        return out
    }

    private static func sentence(_ ranking: StoredRanking, metric: String, value: (Double) -> String, alpha: Double) -> String {
        let best = ranking.best
        let which = ranking.goal == .maximize ? "highest" : "lowest"
        var text = "**\(ReportNames.activation(best.name))** has the \(which) mean \(metric) (\(value(best.summary.mean))"
            + (best.summary.count == 1 ? ", one run" : ", \(best.summary.count) runs") + ")."
        let others = ranking.entries.dropFirst()
        let tied = others.filter { $0.isTiedWithBest == true }.map { ReportNames.activation($0.name) }
        let worse = others.filter { $0.isTiedWithBest == false }.map { ReportNames.activation($0.name) }
        let untested = others.filter { $0.isTiedWithBest == nil }.map { ReportNames.activation($0.name) }
        guard !tied.isEmpty || !worse.isEmpty else { return text }
        let test = "Welch's t-test, Holm-corrected, \u{03B1} = \(alphaText(alpha))"
        if !tied.isEmpty {
            text += " Not significantly different from it (\(test)): \(ReportFormat.list(tied))."
        }
        if !worse.isEmpty {
            text += " Significantly \(ranking.goal == .maximize ? "lower" : "higher")" + (tied.isEmpty ? " (\(test))" : "") + ": \(ReportFormat.list(worse))."
        }
        if !untested.isEmpty {
            text += " Untested (fewer than two runs): \(ReportFormat.list(untested))."
        }
        return text
    }
}
