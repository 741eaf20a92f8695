import Foundation
import FunnelTrain

/// `funnel experiment status`: where a grid stands in the store — cells pending, running (worker,
/// epoch, heartbeat age), done and failed (with the error) — its throughput and an ETA.
public struct ExperimentStatus: Sendable {
    public let experiment: String
    public let cells: [CellProgress]
    /// Epochs each cell's config asks for, by cell id.
    public let plannedEpochs: [Int64: Int]

    /// Reads the experiment's cells from `store`.
    /// - Throws: `RunStoreError.noSuchExperiment` when it has no cells there (never queued, or a
    ///   misspelt name); `ExperimentError` naming the cell when its stored config is not one this build
    ///   reads (one written by a newer build, with a key this one does not know): without its
    ///   epochs the totals and the ETA would be wrong.
    public init(experiment: String, store: RunStore) throws {
        self.experiment = experiment
        try store.requireExperiment(experiment)
        cells = try store.cellProgress(experiment: experiment)
        var planned: [Int64: Int] = [:]
        for progress in cells {
            do {
                planned[progress.cell.id] = try JSONDecoder().decode(TrainConfig.self, from: Data(progress.cell.config.utf8)).epochs
            } catch {
                throw ExperimentError("\(experiment)/\(progress.cell.key): its stored config is not a training config this build reads: \(error)")
            }
        }
        plannedEpochs = planned
    }

    public func count(_ status: CellStatus) -> Int { cells.filter { $0.cell.status == status }.count }

    /// Epochs recorded and epochs the whole grid needs.
    public var epochs: (done: Int, total: Int) {
        let done = cells.reduce(0) { $0 + ($1.cell.status == .done ? plannedEpochs[$1.cell.id] ?? 0 : min($1.epochsDone, plannedEpochs[$1.cell.id] ?? 0)) }
        return (done, plannedEpochs.values.reduce(0, +))
    }

    /// Epochs per hour since the first claim, over all workers; nil before any epoch is recorded.
    public var epochsPerHour: Double? {
        guard let elapsed = cells.compactMap(\.claimAge).max(), elapsed > 0, epochs.done > 0 else { return nil }
        return Double(epochs.done) / elapsed * 3600
    }

    /// Seconds until every planned epoch is done at the current rate.
    public var etaSeconds: Double? {
        guard let rate = epochsPerHour, rate > 0 else { return nil }
        return Double(epochs.total - epochs.done) / rate * 3600
    }

    /// The status as text, one line per running or failed cell.
    public func render() -> String {
        var lines = ["\(experiment): \(cells.count) cells: \(count(.done)) done, \(count(.running)) running, "
                     + "\(count(.pending)) pending, \(count(.failed)) failed"]
        let (done, total) = epochs
        var rate = "epochs \(done)/\(total)"
        if let perHour = epochsPerHour { rate += String(format: ", %.1f epochs/h", perHour) }
        if let eta = etaSeconds { rate += ", ETA \(formatDuration(eta))" }
        lines.append(rate)
        for p in cells where p.cell.status == .running {
            let age = p.heartbeatAge.map { String(format: "%.0fs ago", $0) } ?? "-"
            let lease = p.leaseLeft.map { $0 >= 0 ? String(format: "lease %.0fs left", $0) : String(format: "LEASE EXPIRED %.0fs ago", -$0) } ?? ""
            lines.append("  running  \(p.cell.key)  epoch \(p.epochsDone)/\(plannedEpochs[p.cell.id] ?? 0)  \(p.cell.claimedBy ?? "?")  heartbeat \(age)  \(lease)")
        }
        for p in cells where p.cell.status == .failed {
            lines.append("  failed   \(p.cell.key)  after \(p.cell.attempts) attempt(s): \(p.cell.error ?? "?")")
        }
        return lines.joined(separator: "\n")
    }
}
