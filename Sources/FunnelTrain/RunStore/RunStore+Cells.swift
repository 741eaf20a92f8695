import Foundation

/// The experiment cell queue: workers claim pending cells under a lease, renew it while they train,
/// and mark the cells done or failed.
///
/// - A claim is one transaction. On PostgreSQL the row to claim is picked with
///   `FOR UPDATE SKIP LOCKED`, so concurrent claimers take different cells and none sees an empty
///   queue while cells are pending; on SQLite the writer lock serialises claimers.
/// - Leases are stamped with the database clock (`now()`), never a worker's.
/// - A worker that dies stops renewing; once its lease has run out the cell is claimable again
///   and its next worker resumes the cell's run from its last checkpoint. A cell whose attempts
///   (failed runs and lost leases) reach `maxAttempts` is marked failed, with every attempt kept
///   in `cell_attempt`.
/// - Each claim increments the cell's `claim` token; every write for the cell is fenced by it.
extension RunStore {
    /// Adds cells to an experiment's queue as `pending`; keys already queued are left as they are,
    /// so enqueueing a whole grid again only adds its new cells.
    /// - Returns: the number of cells added.
    @discardableResult
    public func enqueueCells(experiment: String, _ cells: [(key: String, config: String)]) throws -> Int {
        for cell in cells { try validateJSON(cell.config, field: "config of cell '\(cell.key)'") }
        return try backend.write { tx in
            var added = 0
            for cell in cells {
                added += try tx.execute("INSERT INTO cell (experiment, key, config) VALUES (?, ?, ?) ON CONFLICT (experiment, key) DO NOTHING",
                                        [experiment, cell.key, cell.config])
            }
            return added
        }
    }

    /// Takes the oldest claimable cell for `worker`: a pending one, or a running one whose lease
    /// has run out (its worker is presumed dead or cut off). Cells whose lease ran out after
    /// `maxAttempts` counted attempts are marked failed instead.
    /// - Parameters:
    ///   - experiment: only cells of this experiment; nil for any.
    ///   - lease: seconds the claim holds before it must be renewed (`heartbeat`).
    /// - Returns: the claimed cell, now `running`, and the lease to carry in its writes; nil when
    ///   nothing is claimable.
    public func claimCell(experiment: String? = nil, worker: String = RunStore.workerID, lease: TimeInterval = 600,
                          maxAttempts: Int = 3) throws -> (cell: CellRecord, lease: WorkLease)? {
        var pause = 0.005
        while true {
            if let claimed = try claimOnce(experiment: experiment, worker: worker, lease: lease, maxAttempts: maxAttempts) { return claimed }
            // SKIP LOCKED passes over cells that other workers are claiming at this very moment (or
            // that a session cut off mid-transaction still locks, until the server ends it). The queue
            // is empty only when no cell is claimable at all; until then, wait and try again.
            guard try claimableCount(experiment: experiment, maxAttempts: maxAttempts) > 0 else { return nil }
            Thread.sleep(forTimeInterval: pause)
            pause = min(pause * 2, 1)
        }
    }

    private func claimableCount(experiment: String?, maxAttempts: Int) throws -> Int {
        try backend.read { tx in
            let scope = experiment == nil ? "" : " AND experiment = ?"
            let arguments: [any SQLColumnValue] = [maxAttempts] + (experiment.map { [$0] } ?? [])
            return try tx.fetchOne("""
                SELECT count(*) AS n FROM cell
                WHERE (status = 'pending' OR (status = 'running' AND lease_until < \(dialect.now) AND attempts < ?))\(scope)
                """, arguments)!["n"]
        }
    }

    private func claimOnce(experiment: String?, worker: String, lease: TimeInterval, maxAttempts: Int) throws -> (cell: CellRecord, lease: WorkLease)? {
        try backend.write { tx in
            var scope = "", scopeArguments: [any SQLColumnValue] = []
            if let experiment {
                scope = " AND experiment = ?"
                scopeArguments = [experiment]
            }
            let expired = "status = 'running' AND lease_until < \(dialect.now)"
            // Leases that ran out on their last allowed attempt: the cell has failed.
            let abandoned = try tx.fetch("""
                UPDATE cell SET status = 'failed',
                    error = 'abandoned: the lease of ' || claimed_by || ' ran out after ' || attempts || ' attempts'
                WHERE \(expired) AND attempts >= ?\(scope) RETURNING id
                """, [maxAttempts] + scopeArguments)
            for row in abandoned { try endAttempts(ofCell: try row["id"], before: nil, outcome: .expired, tx) }

            guard let row = try tx.fetchOne("""
                UPDATE cell SET status = 'running', claimed_by = ?, claimed_at = \(dialect.now), heartbeat_at = \(dialect.now),
                    lease_until = \(dialect.nowPlusSeconds), claim = claim + 1, attempts = attempts + 1, error = NULL
                WHERE id = (SELECT id FROM cell WHERE (status = 'pending' OR (\(expired) AND attempts < ?))\(scope)
                            ORDER BY id LIMIT 1\(dialect.skipLocked))
                RETURNING *
                """, [worker, lease, maxAttempts] + scopeArguments, table: "cell") else { return nil }
            let cell = try CellRecord(row: row)
            // A claim taken over from a lapsed lease ends that lease's attempt.
            try endAttempts(ofCell: cell.id, before: cell.claim, outcome: .expired, tx)
            try tx.execute("INSERT INTO cell_attempt (cell_id, claim, worker, started_at, outcome) VALUES (?, ?, ?, \(dialect.now), 'running')",
                           [cell.id, cell.claim, worker])
            return (cell, WorkLease(kind: .cell, id: cell.id, worker: worker, claim: cell.claim, seconds: lease))
        }
    }

    /// Marks the leased cell done. Repeating it (a retry after a lost answer) is harmless.
    public func completeCell(_ lease: WorkLease) throws {
        try backend.write { tx in
            if try isAlreadyEnded(lease, as: .done, tx) { return }
            try fence(lease, tx)
            try tx.execute("UPDATE cell SET status = 'done', heartbeat_at = \(dialect.now), lease_until = NULL WHERE id = ?", [lease.id])
            try endAttempt(lease, outcome: .done, error: nil, tx)
        }
    }

    /// Records that the leased cell's run failed with `error`. The cell goes back to the queue
    /// until it has used `maxAttempts` attempts, then it is marked failed.
    /// - Returns: the cell's status now (`pending` or `failed`).
    @discardableResult
    public func failCell(_ lease: WorkLease, error: String, maxAttempts: Int = 3) throws -> CellStatus {
        try backend.write { tx in
            try fence(lease, tx)
            let row = try tx.fetchOne("""
                UPDATE cell SET status = CASE WHEN attempts >= ? THEN 'failed' ELSE 'pending' END, error = ?, lease_until = NULL
                WHERE id = ? RETURNING status
                """, [maxAttempts, error, lease.id], table: "cell")!
            try endAttempt(lease, outcome: .failed, error: error, tx)
            return try row["status"]
        }
    }

    /// Gives the leased cell back to the queue without counting the attempt (a preempted worker,
    /// a time limit). Its run is kept, so the next worker resumes it.
    public func releaseCell(_ lease: WorkLease, reason: String) throws {
        try backend.write { tx in
            if try isAlreadyEnded(lease, as: .pending, tx) { return }
            try fence(lease, tx)
            try tx.execute("UPDATE cell SET status = 'pending', attempts = attempts - 1, lease_until = NULL WHERE id = ?", [lease.id])
            try endAttempt(lease, outcome: .released, error: reason, tx)
        }
    }

    /// Puts an experiment's failed cells back in the queue with fresh attempts (e.g. after fixing a bug).
    /// - Returns: the number of cells requeued.
    @discardableResult
    public func requeueFailedCells(experiment: String) throws -> Int {
        try backend.write { tx in
            try tx.execute("UPDATE cell SET status = 'pending', attempts = 0 WHERE status = 'failed' AND experiment = ?", [experiment])
        }
    }

    /// Ends the claim of a worker known to be dead (a process of this machine that no longer
    /// exists) at once, instead of waiting for its lease to run out.
    public func expireClaim(cell id: Int64, ifHeldBy worker: String) throws {
        _ = try backend.write { tx in
            try tx.execute("UPDATE cell SET lease_until = \(dialect.nowPlusSeconds) WHERE id = ? AND status = 'running' AND claimed_by = ?",
                           [-1.0, id, worker])
        }
    }

    /// An experiment's cells (optionally only those in `status`), in queue order.
    public func cells(experiment: String, status: CellStatus? = nil) throws -> [CellRecord] {
        try backend.read { tx in
            let rows = if let status {
                try tx.fetch("SELECT * FROM cell WHERE experiment = ? AND status = ? ORDER BY id", [experiment, status], table: "cell")
            } else {
                try tx.fetch("SELECT * FROM cell WHERE experiment = ? ORDER BY id", [experiment], table: "cell")
            }
            return try rows.map(CellRecord.init(row:))
        }
    }

    /// The experiments that have cells, by name.
    public func experimentNames() throws -> [String] {
        try backend.read { tx in
            try tx.fetch("SELECT DISTINCT experiment FROM cell ORDER BY experiment", table: "cell").map { try $0["experiment"] as String }
        }
    }

    /// Throws `RunStoreError.noSuchExperiment` unless `experiment` has cells here: a misspelt
    /// name would otherwise read as a grid of nothing, or a worker that finds no work.
    public func requireExperiment(_ experiment: String) throws {
        let known = try experimentNames()
        guard known.contains(experiment) else { throw RunStoreError.noSuchExperiment(name: experiment, store: path, known: known) }
    }

    /// How many of an experiment's cells are in each status (statuses with no cells included, as 0).
    public func cellCounts(experiment: String) throws -> [CellStatus: Int] {
        try backend.read { tx in
            var counts = Dictionary(uniqueKeysWithValues: CellStatus.allCases.map { ($0, 0) })
            for row in try tx.fetch("SELECT status, count(*) AS n FROM cell WHERE experiment = ? GROUP BY status", [experiment]) {
                counts[try row["status"] as CellStatus] = try row["n"]
            }
            return counts
        }
    }

    /// An experiment's cells with how far their runs got, and their heartbeats' ages on the
    /// database clock (the clock every lease is measured by), in queue order.
    public func cellProgress(experiment: String) throws -> [CellProgress] {
        try backend.read { tx in
            try tx.fetch("""
                SELECT cell.*, coalesce(run.epochs, 0) AS run_epochs, run.checkpoint AS run_checkpoint,
                    \(dialect.secondsSince("cell.heartbeat_at")) AS heartbeat_age,
                    \(dialect.secondsSince("cell.lease_until")) AS lease_overdue,
                    \(dialect.secondsSince("cell.claimed_at")) AS claim_age
                FROM cell LEFT JOIN run ON run.id = cell.run_id WHERE cell.experiment = ? ORDER BY cell.id
                """, [experiment], table: "cell").map { row in
                CellProgress(cell: try CellRecord(row: row), epochsDone: try row["run_epochs"], heartbeatAge: try row["heartbeat_age"],
                             leaseLeft: (try row["lease_overdue"] as Double?).map { -$0 }, claimAge: try row["claim_age"])
            }
        }
    }

    /// Every claim of cell `id`, oldest first.
    public func attempts(ofCell id: Int64) throws -> [CellAttempt] {
        try backend.read { tx in
            try tx.fetch("SELECT * FROM cell_attempt WHERE cell_id = ? ORDER BY claim", [id], table: "cell_attempt").map(CellAttempt.init(row:))
        }
    }

    // MARK: Helpers

    /// Whether the lease's cell already ended in `status` under this very claim (a repeated call).
    private func isAlreadyEnded(_ lease: WorkLease, as status: CellStatus, _ tx: any SQLTransaction) throws -> Bool {
        guard let row = try tx.fetchOne("SELECT status, claimed_by, claim FROM cell WHERE id = ?", [lease.id], table: "cell") else { return false }
        return try row["status"] as CellStatus == status && row["claimed_by"] as String? == lease.worker && row["claim"] as Int64 == lease.claim
    }

    private func endAttempt(_ lease: WorkLease, outcome: CellAttempt.Outcome, error: String?, _ tx: any SQLTransaction) throws {
        try tx.execute("UPDATE cell_attempt SET outcome = ?, error = ?, ended_at = \(dialect.now) WHERE cell_id = ? AND claim = ?",
                       [outcome, error, lease.id, lease.claim])
    }

    /// Ends the still-running attempts of cell `id` (those before claim `before`, when given).
    private func endAttempts(ofCell id: Int64, before claim: Int64?, outcome: CellAttempt.Outcome, _ tx: any SQLTransaction) throws {
        try tx.execute("UPDATE cell_attempt SET outcome = ?, ended_at = \(dialect.now) WHERE cell_id = ? AND outcome = 'running' AND claim < ?",
                       [outcome, id, claim ?? Int64.max])
    }
}
