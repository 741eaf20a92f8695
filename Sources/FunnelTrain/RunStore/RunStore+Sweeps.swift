import Foundation

/// Sweep state in the store, so that any number of agents on any machines run one sweep: the
/// sweep's file, and one row per run it started (its hyper-parameters, who trains it under which
/// lease, its metric history and result).
///
/// Proposals are serialised: an agent asking for its next run takes an advisory lock on the sweep
/// (PostgreSQL; SQLite's writer lock does the same), reads every run, and only then decides and
/// records the next one. So a grid gives every point once, `run_cap` is exact, and a Bayesian
/// proposal sees every result finished before it.
extension RunStore {
    /// Records a sweep and returns its id. A sweep of the same name, file and seed already in the
    /// store is returned instead, so creating it again continues it.
    public func createSweep(name: String, spec: String, seed: UInt64) throws -> Int64 {
        try backend.write { tx in
            try lockSweeps(0, tx)
            if let row = try tx.fetchOne("SELECT id FROM sweep WHERE name = ? AND spec = ? AND seed = ? ORDER BY id LIMIT 1",
                                         [name, spec, Int64(bitPattern: seed)]) {
                return try row["id"]
            }
            return try tx.fetchOne("INSERT INTO sweep (name, spec, seed, created_at) VALUES (?, ?, ?, \(dialect.now)) RETURNING id",
                                   [name, spec, Int64(bitPattern: seed)])!["id"]
        }
    }

    /// The sweep with this id.
    public func sweep(_ id: Int64) throws -> SweepRecord {
        try backend.read { tx in
            guard let row = try tx.fetchOne("SELECT * FROM sweep WHERE id = ?", [id], table: "sweep") else {
                throw RunStoreError.noSuchSweep(id: id, store: path)
            }
            return try SweepRecord(row: row)
        }
    }

    /// Every run the sweep started, in the order they were started.
    public func sweepRuns(_ sweepID: Int64) throws -> [SweepRunRecord] {
        try backend.read { tx in try fetchSweepRuns(sweepID, tx) }
    }

    /// The next run for `worker` to train, under a new lease: a started run whose lease ran out
    /// (its agent died; resumed from its checkpoint), else a new run whose hyper-parameters
    /// `propose` chooses from every run so far (nil when the sweep is over).
    /// - Returns: the run and its lease, or nil when there is nothing left to do.
    public func nextSweepRun(_ sweepID: Int64, worker: String = RunStore.workerID, lease: TimeInterval = 600, maxAttempts: Int = 3,
                             propose: ([SweepRunRecord]) throws -> String?) throws -> (run: SweepRunRecord, lease: WorkLease)? {
        try backend.write { tx in
            try lockSweeps(sweepID, tx)
            let expired = "sweep_id = ? AND status = 'running' AND lease_until < \(dialect.now)"
            try tx.execute("""
                UPDATE sweep_run SET status = 'failed', error = 'abandoned: the lease of ' || claimed_by || ' ran out after ' || attempts || ' attempts'
                WHERE \(expired) AND attempts >= ?
                """, [sweepID, maxAttempts])
            let take = """
                claimed_by = ?, heartbeat_at = \(dialect.now), lease_until = \(dialect.nowPlusSeconds)
                """
            if let row = try tx.fetchOne("""
                UPDATE sweep_run SET \(take), claim = claim + 1, attempts = attempts + 1
                WHERE id = (SELECT id FROM sweep_run WHERE \(expired) ORDER BY number LIMIT 1) RETURNING *
                """, [worker, lease, sweepID], table: "sweep_run") {
                let run = try SweepRunRecord(row: row)
                return (run, WorkLease(kind: .sweepRun, id: run.id, worker: worker, claim: run.claim, seconds: lease))
            }
            let runs = try fetchSweepRuns(sweepID, tx)
            guard let assignment = try propose(runs) else { return nil }
            // Which results the proposal saw, so that anyone can check it (and replay it).
            let informedBy = try RunSpec.json(runs.filter { $0.metric != nil }.map(\.number))
            let row = try tx.fetchOne("""
                INSERT INTO sweep_run (sweep_id, number, assignment, status, claimed_by, heartbeat_at, lease_until, informed_by, started_at)
                VALUES (?, ?, ?, 'running', ?, \(dialect.now), \(dialect.nowPlusSeconds), ?, \(dialect.now)) RETURNING *
                """, [sweepID, (runs.map(\.number).max() ?? 0) + 1, assignment, worker, lease, informedBy], table: "sweep_run")!
            let run = try SweepRunRecord(row: row)
            return (run, WorkLease(kind: .sweepRun, id: run.id, worker: worker, claim: run.claim, seconds: lease))
        }
    }

    /// Records the leased run's metric history so far (one value per epoch), for Hyperband
    /// decisions taken by other agents.
    public func recordSweepHistory(_ lease: WorkLease, history: [Double]) throws {
        let json = try RunSpec.json(history.map { $0.isFinite ? $0 : nil })
        try backend.write { tx in
            try fence(lease, tx)
            try tx.execute("UPDATE sweep_run SET history = ?, heartbeat_at = \(dialect.now) WHERE id = ?", [json, lease.id])
        }
    }

    /// Ends the leased run: finished with its metric (nil when it has none), or failed with `error`.
    public func endSweepRun(_ lease: WorkLease, metric: Double?, history: [Double], error: String? = nil) throws {
        let json = try RunSpec.json(history.map { $0.isFinite ? $0 : nil })
        try backend.write { tx in
            try fence(lease, tx)
            try tx.execute("UPDATE sweep_run SET status = ?, metric = ?, history = ?, error = ?, lease_until = NULL, ended_at = \(dialect.now) WHERE id = ?",
                           [error == nil ? "finished" : "failed", metric, json, error, lease.id])
        }
    }

    /// Gives the leased run back (a preempted agent): its lease ends now, so the next agent
    /// resumes it, and the attempt is not counted.
    public func releaseSweepRun(_ lease: WorkLease) throws {
        try backend.write { tx in
            try fence(lease, tx)
            try tx.execute("UPDATE sweep_run SET lease_until = \(dialect.nowPlusSeconds), attempts = attempts - 1 WHERE id = ?", [-1.0, lease.id])
        }
    }

    private func fetchSweepRuns(_ sweepID: Int64, _ tx: any SQLTransaction) throws -> [SweepRunRecord] {
        try tx.fetch("SELECT * FROM sweep_run WHERE sweep_id = ? ORDER BY number", [sweepID], table: "sweep_run").map(SweepRunRecord.init(row:))
    }

    /// Serialises proposals for one sweep until the transaction ends (PostgreSQL; a no-op on
    /// SQLite, whose IMMEDIATE transactions already exclude each other).
    private func lockSweeps(_ sweepID: Int64, _ tx: any SQLTransaction) throws {
        guard dialect == .postgres else { return }
        try tx.execute("SELECT pg_advisory_xact_lock(?)", [7_140_000_000 + sweepID])
    }
}

/// A sweep as stored (table `sweep`).
public struct SweepRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    /// The sweep file's text.
    public var spec: String
    /// The seed of its random and Bayesian search.
    public var seed: UInt64
    public var createdAt: Date

    init(row: SQLRow) throws {
        id = try row["id"]
        name = try row["name"]
        spec = try row["spec"]
        seed = UInt64(bitPattern: try row["seed"] as Int64)
        createdAt = try row["created_at"]
    }
}

/// One run a sweep started (table `sweep_run`).
public struct SweepRunRecord: Sendable, Equatable {
    public enum Status: String, Sendable, SQLColumnValue {
        case running, finished, failed
    }

    public var id: Int64
    public var sweepID: Int64
    /// 1, 2, ... in the order runs were started.
    public var number: Int
    /// Its hyper-parameters, as `SweepAssignment.storageKey` text.
    public var assignment: String
    public var status: Status
    public var claimedBy: String?
    public var claim: Int64
    public var attempts: Int
    public var leaseUntil: Date?
    public var runID: Int64?
    /// The run's result: the best value of its history (nil while running or when it has none).
    public var metric: Double?
    /// The metric after each epoch so far (non-finite values stored as null, read back as NaN).
    public var history: [Double]
    /// The runs (by number) whose results the proposal of this run saw.
    public var informedBy: [Int]
    /// When it was proposed, and when it ended (database clock).
    public var startedAt: Date
    public var endedAt: Date?
    public var error: String?

    init(row: SQLRow) throws {
        id = try row["id"]
        sweepID = try row["sweep_id"]
        number = try row["number"]
        assignment = try row["assignment"]
        status = try row["status"]
        claimedBy = try row["claimed_by"]
        claim = try row["claim"]
        attempts = try row["attempts"]
        leaseUntil = try row["lease_until"]
        runID = try row["run_id"]
        metric = try row["metric"]
        let text: String = try row["history"]
        history = try JSONDecoder().decode([Double?].self, from: Data(text.utf8)).map { $0 ?? .nan }
        informedBy = try JSONDecoder().decode([Int].self, from: Data((try row["informed_by"] as String).utf8))
        startedAt = try row["started_at"]
        endedAt = try row["ended_at"]
        error = try row["error"]
    }
}
