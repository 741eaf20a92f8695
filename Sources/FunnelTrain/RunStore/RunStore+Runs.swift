import Foundation

/// Recording runs: create, append epochs, end; and reading them back.
///
/// Each write takes an optional `lease`: a worker training a leased cell or sweep run passes it,
/// and the write is refused (`claimLost`) once the lease is someone else's (see `WorkLease`).
extension RunStore {
    /// Records the start of a run (status `running`) and returns it with its new id.
    @discardableResult
    public func createRun(_ spec: RunSpec, startedAt: Date = Date()) throws -> RunRecord {
        try validateJSON(spec.config, field: "config of run '\(spec.name)'")
        return try backend.write { tx in try insertRun(spec, startedAt: startedAt, tx) }
    }

    func insertRun(_ spec: RunSpec, startedAt: Date, _ tx: any SQLTransaction) throws -> RunRecord {
        var run = RunRecord(id: 0, spec: spec, status: .running, startedAt: startedAt, summary: RunSummary())
        // The database picks the id: several processes may be creating runs at once.
        let values = run.columnValues()
        let columns = values.map(\.0).joined(separator: ", ")
        let placeholders = values.map { _ in "?" }.joined(separator: ", ")
        run.id = try tx.fetchOne("INSERT INTO run (\(columns), heartbeat_at) VALUES (\(placeholders), \(dialect.now)) RETURNING id",
                                 values.map(\.1), table: "run")!["id"]
        run.heartbeatAge = 0
        return run
    }

    /// Records one epoch's metrics and refreshes the run's summary, in one transaction.
    /// Recording an epoch number again replaces it (a run resumed from an earlier checkpoint
    /// redoes epochs, with the same numbers).
    public func appendEpoch(_ epoch: EpochRecord, lease: WorkLease? = nil) throws {
        let values = try epoch.columnValues()
        try backend.write { tx in
            if let lease { try fence(lease, tx) }
            try requireRun(epoch.runID, tx)
            let columns = values.map(\.0)
            let updates = columns.dropFirst(2).map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
            try tx.execute("""
                INSERT INTO epoch (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))
                ON CONFLICT (run_id, epoch) DO UPDATE SET \(updates)
                """, values.map(\.1))
            try refreshSummary(of: epoch.runID, tx)
            try touch(epoch.runID, tx)
        }
    }

    /// Records that the process training run `id` is alive (see `RunRecord.isLost`); a run that
    /// has ended is left as it is.
    public func touchRun(_ id: Int64) throws {
        try backend.write { tx in try touch(id, tx) }
    }

    /// Sets a run's status. Moving to `running` (a resumed run) clears `endedAt` and `error`;
    /// any other status ends the run at `date`, with `error` saying why when there is one.
    public func updateStatus(_ id: Int64, to status: RunStatus, error: String? = nil, at date: Date = Date(), lease: WorkLease? = nil) throws {
        try backend.write { tx in
            if let lease { try fence(lease, tx) }
            try requireRun(id, tx)
            try tx.execute("UPDATE run SET status = ?, ended_at = ?, error = ? WHERE id = ?",
                           [status, status.isTerminal ? date : nil, error, id])
            try touch(id, tx)
        }
    }

    /// Marks a run finished at `date`, recording its final checkpoint if given.
    public func finishRun(_ id: Int64, checkpoint: String? = nil, at date: Date = Date(), lease: WorkLease? = nil) throws {
        try backend.write { tx in
            if let lease { try fence(lease, tx) }
            try requireRun(id, tx)
            try tx.execute("UPDATE run SET status = 'finished', ended_at = ?, error = NULL, checkpoint = coalesce(?, checkpoint) WHERE id = ?",
                           [date, checkpoint, id])
        }
    }

    /// Marks a run failed at `date` with the error that stopped it.
    public func failRun(_ id: Int64, error: String, at date: Date = Date(), lease: WorkLease? = nil) throws {
        try updateStatus(id, to: .failed, error: error, at: date, lease: lease)
    }

    /// Records the path of the run's latest checkpoint. With a lease, `beforeCommit` runs while the
    /// lease is held and locked (e.g. to move the checkpoint file into place), so the file and the
    /// record change together or not at all for a worker that lost its claim.
    public func setCheckpoint(_ id: Int64, path: String, lease: WorkLease? = nil, beforeCommit: () throws -> Void = {}) throws {
        try backend.write { tx in
            if let lease { try fence(lease, tx) }
            try requireRun(id, tx)
            try beforeCommit()
            try tx.execute("UPDATE run SET checkpoint = ? WHERE id = ?", [path, id])
        }
    }

    /// The run with this id.
    public func run(_ id: Int64) throws -> RunRecord {
        try backend.read { tx in try fetchRun(id, tx) }
    }

    /// The runs matching `filter`, by id.
    public func runs(_ filter: RunFilter = RunFilter()) throws -> [RunRecord] {
        try backend.read { tx in try fetchRuns(filter, tx) }
    }

    /// A run's epochs in order.
    public func epochs(of id: Int64) throws -> [EpochRecord] {
        try backend.read { tx in try fetchEpochs([id], tx)[id] ?? [] }
    }

    /// A run with its epochs.
    public func detail(_ id: Int64) throws -> RunDetail {
        try backend.read { tx in
            RunDetail(run: try fetchRun(id, tx), epochs: try fetchEpochs([id], tx)[id] ?? [])
        }
    }

    /// The runs matching `filter`, each with its epochs, read from one consistent snapshot.
    public func details(_ filter: RunFilter = RunFilter()) throws -> [RunDetail] {
        try backend.read { tx in
            let runs = try fetchRuns(filter, tx)
            let epochs = try fetchEpochs(runs.map(\.id), tx)
            return runs.map { RunDetail(run: $0, epochs: epochs[$0.id] ?? []) }
        }
    }

    // MARK: Helpers

    func fetchRun(_ id: Int64, _ tx: any SQLTransaction) throws -> RunRecord {
        guard let row = try tx.fetchOne("SELECT \(RunRecord.selection(dialect)) FROM run WHERE id = ?", [id], table: "run") else {
            throw RunStoreError.noSuchRun(id: id, store: path)
        }
        return try RunRecord(row: row)
    }

    private func fetchRuns(_ filter: RunFilter, _ tx: any SQLTransaction) throws -> [RunRecord] {
        let query = filter.query(dialect)
        return try tx.fetch(query.sql, query.arguments, table: "run").map(RunRecord.init(row:))
    }

    private func touch(_ id: Int64, _ tx: any SQLTransaction) throws {
        try tx.execute("UPDATE run SET heartbeat_at = \(dialect.now) WHERE id = ? AND status = 'running'", [id])
    }

    private func requireRun(_ id: Int64, _ tx: any SQLTransaction) throws {
        guard try tx.fetchOne("SELECT id FROM run WHERE id = ?", [id]) != nil else { throw RunStoreError.noSuchRun(id: id, store: path) }
    }

    /// Epochs of the given runs, grouped by run, each group in epoch order.
    private func fetchEpochs(_ ids: [Int64], _ tx: any SQLTransaction) throws -> [Int64: [EpochRecord]] {
        guard !ids.isEmpty else { return [:] }
        var epochs: [EpochRecord] = []
        // In slices: both databases limit the number of bound parameters.
        for start in stride(from: 0, to: ids.count, by: 500) {
            let slice = Array(ids[start..<min(start + 500, ids.count)])
            let list = slice.map { _ in "?" }.joined(separator: ", ")
            epochs += try tx.fetch("SELECT * FROM epoch WHERE run_id IN (\(list)) ORDER BY run_id, epoch", slice, table: "epoch")
                .map(EpochRecord.init(row:))
        }
        return Dictionary(grouping: epochs, by: \.runID)
    }

    private func refreshSummary(of id: Int64, _ tx: any SQLTransaction) throws {
        let summary = RunSummary(epochs: try fetchEpochs([id], tx)[id] ?? [])
        let values = summary.columnValues()
        let assignments = values.map { "\($0.0) = ?" }.joined(separator: ", ")
        try tx.execute("UPDATE run SET \(assignments) WHERE id = ?", values.map(\.1) + [.integer(id)])
    }
}
