import Foundation

/// Runs side by side: one row per run, one column per metric.
public struct RunComparison: Equatable, Sendable {
    /// The compared runs, in the order asked for.
    public var runs: [RunRecord]
    /// The compared metrics, in column order.
    public var metrics: [RunMetric]
    /// `values[r][m]` is metric `m` of run `r`, nil where that run has no such values.
    public var values: [[Double?]]

    /// A plain-text table: id, name, model, act, status, then one column per metric (4 decimals,
    /// "-" where missing), numbers right-aligned.
    public func table() -> String {
        let header = ["id", "name", "model", "act", "status"] + metrics.map(\.description)
        let rows = zip(runs, values).map { run, row in
            ["\(run.id)", run.spec.name, run.spec.model, run.spec.act, run.statusLabel]
                + row.map { $0.map { String(format: "%.4f", $0) } ?? "-" }
        }
        let numeric = Set([0] + (5..<header.count))
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return numeric.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}

extension RunStore {
    /// Compares runs on `metrics`.
    /// - Throws: `noSuchRun` for an unknown id; `unknownMetric` when no compared run has a metric
    ///   at all (most likely a misspelt name).
    public func compare(_ ids: [Int64], metrics: [RunMetric]) throws -> RunComparison {
        let byID = Dictionary(uniqueKeysWithValues: try details(RunFilter(ids: ids)).map { ($0.run.id, $0) })
        let details = try ids.map { id in
            guard let detail = byID[id] else { throw RunStoreError.noSuchRun(id: id, store: path) }
            return detail
        }
        let values = details.map { detail in metrics.map { $0.value(over: detail.epochs) } }
        for (column, metric) in metrics.enumerated() where !values.isEmpty && values.allSatisfy({ $0[column] == nil }) {
            let extras = Set(details.flatMap { $0.epochs.flatMap(\.extra.keys) }).sorted()
            throw RunStoreError.unknownMetric(metric.description, known: EpochRecord.fields + extras)
        }
        return RunComparison(runs: details.map(\.run), metrics: metrics, values: values)
    }
}
