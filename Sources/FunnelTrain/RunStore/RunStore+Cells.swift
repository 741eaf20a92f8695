import Foundation
import GRDB

/// The experiment cell queue: workers claim pending cells, send heartbeats while training, and
/// mark them done or failed. A worker that dies stops sending heartbeats; once its claim is older
/// than `staleAfter`, another worker may claim the cell again.
///
/// Every state change is a single UPDATE whose WHERE clause re-checks the state it expects, so a
/// claim stays atomic even without the surrounding transaction, whichever process or machine runs
/// it. Heartbeats are stamped with the worker's clock, so `staleAfter` must dwarf the clock skew
/// between machines (minutes, not seconds).
extension RunStore {
    /// Adds cells to an experiment's queue as `pending`; keys already queued are left as they are,
    /// so enqueueing a whole grid again only adds its new cells.
    /// - Returns: the number of cells added.
    @discardableResult
    public func enqueueCells(experiment: String, _ cells: [(key: String, config: String)]) throws -> Int {
        for cell in cells { try validateJSON(cell.config, field: "config of cell '\(cell.key)'") }
        return try database.write { db in
            var added = 0
            for cell in cells {
                try db.execute(sql: "INSERT OR IGNORE INTO cell (experiment, key, config) VALUES (?, ?, ?)",
                               arguments: [experiment, cell.key, cell.config])
                added += db.changesCount
            }
            return added
        }
    }

    /// Atomically takes the oldest claimable cell for `worker`: a pending one, or a running one
    /// whose heartbeat is older than `staleAfter` (its worker is presumed dead). Stale cells that
    /// have already been claimed `maxAttempts` times are marked failed instead of claimed again.
    /// - Parameters:
    ///   - experiment: only cells of this experiment; nil for any.
    ///   - now: the current time (a parameter so that tests can age claims).
    /// - Returns: the claimed cell, now `running`, or nil when nothing is claimable.
    public func claimCell(experiment: String? = nil, worker: String = RunStore.workerID,
                          staleAfter: TimeInterval = 600, maxAttempts: Int = 3, now: Date = Date()) throws -> CellRecord? {
        let arguments: StatementArguments = ["worker": worker, "now": now, "cutoff": now.addingTimeInterval(-staleAfter),
                                             "maxAttempts": maxAttempts, "experiment": experiment]
        return try database.write { db in
            try db.execute(sql: Self.abandonSQL, arguments: arguments)
            return try CellRecord.fetchOne(db, sql: Self.claimSQL, arguments: arguments)
        }
    }

    /// Marks failed the stale cells that have used up their attempts. Named parameters: `:cutoff`
    /// (heartbeats before it are stale), `:maxAttempts`, `:experiment` (NULL for any).
    static let abandonSQL = """
        UPDATE cell SET status = 'failed',
            error = 'abandoned: no heartbeat from ' || claimed_by || ' since ' || heartbeat_at || ', after ' || attempts || ' attempts'
        WHERE status = 'running' AND heartbeat_at < :cutoff AND attempts >= :maxAttempts
            AND (:experiment IS NULL OR experiment = :experiment)
        """

    /// Claims one cell and returns it. The WHERE clause repeats the claimability test outside the
    /// subquery so that the statement is atomic on its own: if another connection took the cell
    /// between the subquery and the update, nothing is updated and nothing returned. Parameters as
    /// for `abandonSQL`, plus `:worker` and `:now`.
    static let claimSQL: String = {
        let claimable = """
            (:experiment IS NULL OR experiment = :experiment)
            AND (status = 'pending' OR (status = 'running' AND heartbeat_at < :cutoff AND attempts < :maxAttempts))
            """
        return """
            UPDATE cell SET status = 'running', claimed_by = :worker, claimed_at = :now, heartbeat_at = :now,
                attempts = attempts + 1, run_id = NULL, error = NULL
            WHERE id = (SELECT id FROM cell WHERE \(claimable) ORDER BY id LIMIT 1) AND \(claimable)
            RETURNING *
            """
    }()

    /// Records that `worker` is still training cell `id`. Throws `claimLost` when the cell is no
    /// longer this worker's (it was re-claimed after the worker stalled): the worker should stop.
    public func heartbeat(cell id: Int64, worker: String = RunStore.workerID, now: Date = Date()) throws {
        try updateClaimedCell(id, worker: worker, set: "heartbeat_at = :now", arguments: ["now": now])
    }

    /// Links the run that trains cell `id` to it.
    public func attachRun(_ runID: Int64, toCell id: Int64, worker: String = RunStore.workerID) throws {
        try updateClaimedCell(id, worker: worker, set: "run_id = :run", arguments: ["run": runID])
    }

    /// Marks cell `id` done, trained by run `runID`.
    public func completeCell(_ id: Int64, runID: Int64?, worker: String = RunStore.workerID, now: Date = Date()) throws {
        try updateClaimedCell(id, worker: worker, set: "status = 'done', run_id = coalesce(:run, run_id), heartbeat_at = :now",
                              arguments: ["run": runID, "now": now])
    }

    /// Marks cell `id` failed with `error`.
    public func failCell(_ id: Int64, error: String, worker: String = RunStore.workerID, now: Date = Date()) throws {
        try updateClaimedCell(id, worker: worker, set: "status = 'failed', error = :error, heartbeat_at = :now",
                              arguments: ["error": error, "now": now])
    }

    /// Puts an experiment's failed cells back in the queue (e.g. after fixing a bug).
    /// - Returns: the number of cells requeued.
    @discardableResult
    public func requeueFailedCells(experiment: String) throws -> Int {
        try database.write { db in
            try db.execute(sql: "UPDATE cell SET status = 'pending', attempts = 0 WHERE status = 'failed' AND experiment = ?",
                           arguments: [experiment])
            return db.changesCount
        }
    }

    /// An experiment's cells (optionally only those in `status`), in queue order.
    public func cells(experiment: String, status: CellStatus? = nil) throws -> [CellRecord] {
        try database.read { db in
            var request = CellRecord.filter(Column("experiment") == experiment)
            if let status { request = request.filter(Column("status") == status) }
            return try request.order(Column("id")).fetchAll(db)
        }
    }

    /// How many of an experiment's cells are in each status (statuses with no cells included, as 0).
    public func cellCounts(experiment: String) throws -> [CellStatus: Int] {
        try database.read { db in
            var counts = Dictionary(uniqueKeysWithValues: CellStatus.allCases.map { ($0, 0) })
            let rows = try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM cell WHERE experiment = ? GROUP BY status",
                                        arguments: [experiment])
            for row in rows { counts[row["status"] as CellStatus] = row["n"] }
            return counts
        }
    }

    /// Applies `assignments` to cell `id` if `worker` holds it (running and claimed by it);
    /// otherwise throws `noSuchCell` or `claimLost` describing who has it now.
    private func updateClaimedCell(_ id: Int64, worker: String, set assignments: String, arguments: StatementArguments) throws {
        try database.write { db in
            var all = arguments
            _ = all.append(contentsOf: ["id": id, "worker": worker])
            try db.execute(sql: "UPDATE cell SET \(assignments) WHERE id = :id AND status = 'running' AND claimed_by = :worker",
                           arguments: all)
            guard db.changesCount == 0 else { return }
            guard let cell = try CellRecord.fetchOne(db, key: id) else { throw RunStoreError.noSuchCell(id: id, store: path) }
            throw RunStoreError.claimLost(cell: id, worker: worker, holder: cell.claimedBy, status: cell.status)
        }
    }
}
