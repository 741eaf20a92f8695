import Foundation
import GRDB

/// Recording runs: create, append epochs, end; and reading them back.
extension RunStore {
    /// Records the start of a run (status `running`) and returns it with its new id.
    @discardableResult
    public func createRun(_ spec: RunSpec, startedAt: Date = Date()) throws -> RunRecord {
        try validateJSON(spec.config, field: "config of run '\(spec.name)'")
        return try database.write { db in
            var run = RunRecord(id: 0, spec: spec, status: .running, startedAt: startedAt, summary: RunSummary())
            // SQLite picks the id: several processes may be creating runs at once.
            let values = run.columnValues()
            let columns = values.map(\.0).joined(separator: ", ")
            let placeholders = values.map { _ in "?" }.joined(separator: ", ")
            run.id = try Int64.fetchOne(db, sql: "INSERT INTO run (\(columns)) VALUES (\(placeholders)) RETURNING id",
                                        arguments: StatementArguments(values.map(\.1)))!
            return run
        }
    }

    /// Records one epoch's metrics and refreshes the run's summary, in one transaction.
    /// Recording an epoch number again replaces it (a run resumed from an earlier checkpoint
    /// redoes epochs).
    public func appendEpoch(_ epoch: EpochRecord) throws {
        try database.write { db in
            try requireRun(epoch.runID, db)
            try epoch.insert(db, onConflict: .replace)
            try refreshSummary(of: epoch.runID, db)
        }
    }

    /// Sets a run's status. Moving to `running` (a resumed run) clears `endedAt` and `error`;
    /// any other status ends the run at `date`, with `error` saying why when there is one.
    public func updateStatus(_ id: Int64, to status: RunStatus, error: String? = nil, at date: Date = Date()) throws {
        try database.write { db in
            try requireRun(id, db)
            try db.execute(sql: "UPDATE run SET status = ?, ended_at = ?, error = ? WHERE id = ?",
                           arguments: [status, status.isTerminal ? date : nil, error, id])
        }
    }

    /// Marks a run finished at `date`, recording its final checkpoint if given.
    public func finishRun(_ id: Int64, checkpoint: String? = nil, at date: Date = Date()) throws {
        try database.write { db in
            try requireRun(id, db)
            try db.execute(sql: "UPDATE run SET status = 'finished', ended_at = ?, error = NULL, checkpoint = coalesce(?, checkpoint) WHERE id = ?",
                           arguments: [date, checkpoint, id])
        }
    }

    /// Marks a run failed at `date` with the error that stopped it.
    public func failRun(_ id: Int64, error: String, at date: Date = Date()) throws {
        try updateStatus(id, to: .failed, error: error, at: date)
    }

    /// Records the path of the run's latest checkpoint.
    public func setCheckpoint(_ id: Int64, path: String) throws {
        try database.write { db in
            try requireRun(id, db)
            try db.execute(sql: "UPDATE run SET checkpoint = ? WHERE id = ?", arguments: [path, id])
        }
    }

    /// The run with this id.
    public func run(_ id: Int64) throws -> RunRecord {
        try database.read { db in try fetchRun(id, db) }
    }

    /// The runs matching `filter`, by id.
    public func runs(_ filter: RunFilter = RunFilter()) throws -> [RunRecord] {
        try database.read { db in try filter.request().fetchAll(db) }
    }

    /// A run's epochs in order.
    public func epochs(of id: Int64) throws -> [EpochRecord] {
        try database.read { db in try fetchEpochs([id], db)[id] ?? [] }
    }

    /// A run with its epochs.
    public func detail(_ id: Int64) throws -> RunDetail {
        try database.read { db in
            RunDetail(run: try fetchRun(id, db), epochs: try fetchEpochs([id], db)[id] ?? [])
        }
    }

    /// The runs matching `filter`, each with its epochs, read from one consistent snapshot.
    public func details(_ filter: RunFilter = RunFilter()) throws -> [RunDetail] {
        try database.read { db in
            let runs = try filter.request().fetchAll(db)
            let epochs = try fetchEpochs(runs.map(\.id), db)
            return runs.map { RunDetail(run: $0, epochs: epochs[$0.id] ?? []) }
        }
    }

    // MARK: Helpers

    func fetchRun(_ id: Int64, _ db: Database) throws -> RunRecord {
        guard let run = try RunRecord.fetchOne(db, key: id) else { throw RunStoreError.noSuchRun(id: id, store: path) }
        return run
    }

    private func requireRun(_ id: Int64, _ db: Database) throws {
        guard try RunRecord.exists(db, key: id) else { throw RunStoreError.noSuchRun(id: id, store: path) }
    }

    /// Epochs of the given runs, grouped by run, each group in epoch order.
    private func fetchEpochs(_ ids: [Int64], _ db: Database) throws -> [Int64: [EpochRecord]] {
        let epochs = try EpochRecord
            .filter(ids.contains(Column("run_id")))
            .order(Column("run_id"), Column("epoch"))
            .fetchAll(db)
        return Dictionary(grouping: epochs, by: \.runID)
    }

    private func refreshSummary(of id: Int64, _ db: Database) throws {
        let summary = RunSummary(epochs: try fetchEpochs([id], db)[id] ?? [])
        let values = summary.columnValues()
        let assignments = values.map { "\($0.0) = ?" }.joined(separator: ", ")
        try db.execute(sql: "UPDATE run SET \(assignments) WHERE id = ?",
                       arguments: StatementArguments(values.map(\.1) + [id]))
    }
}
