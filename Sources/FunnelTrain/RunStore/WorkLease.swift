import Foundation

/// A worker's hold on one unit of work: an experiment cell or a sweep run.
///
/// Leases are stamped with the database clock and renewed by heartbeats. Every write a worker makes
/// for its work carries the lease, and the store refuses it (`RunStoreError.claimLost`) unless the
/// row is still running, claimed by this worker, under this claim token (fencing): a worker that
/// was cut off or paused past its lease cannot overwrite what the row's new owner records.
public struct WorkLease: Sendable, Equatable {
    /// Which table the leased row is in.
    public enum Kind: String, Sendable {
        case cell
        case sweepRun = "sweep_run"
    }

    /// The table of the leased row.
    public var kind: Kind
    /// The row's id.
    public var id: Int64
    /// The worker holding it.
    public var worker: String
    /// The claim's fencing token.
    public var claim: Int64
    /// How long each renewal holds, in seconds.
    public var seconds: TimeInterval

    /// A lease on row `id` of `kind`.
    public init(kind: Kind, id: Int64, worker: String, claim: Int64, seconds: TimeInterval) {
        self.kind = kind
        self.id = id
        self.worker = worker
        self.claim = claim
        self.seconds = seconds
    }
}

extension RunStore {
    /// Renews `lease` for another `lease.seconds`.
    /// - Throws: `RunStoreError.claimLost` when the row is no longer this worker's: it should stop.
    public func heartbeat(_ lease: WorkLease) throws {
        try backend.write { tx in
            try fence(lease, tx)
            try tx.execute("UPDATE \(lease.kind.rawValue) SET heartbeat_at = \(dialect.now), lease_until = \(dialect.nowPlusSeconds) WHERE id = ?",
                           [lease.seconds, lease.id])
        }
    }

    /// The run that trains the leased cell or sweep run: the one an earlier claim started (to
    /// resume it), or a new one made from `spec`. Safe to repeat: a retried call finds the run the
    /// first one attached.
    public func runForLease(_ lease: WorkLease, spec: RunSpec) throws -> RunRecord {
        try validateJSON(spec.config, field: "config of run '\(spec.name)'")
        return try backend.write { tx in
            try fence(lease, tx)
            if let row = try tx.fetchOne("SELECT run_id FROM \(lease.kind.rawValue) WHERE id = ?", [lease.id]), let id: Int64 = try row["run_id"] {
                try tx.execute("UPDATE run SET status = 'running', ended_at = NULL, error = NULL, heartbeat_at = \(dialect.now) WHERE id = ? AND status <> 'finished'", [id])
                return try fetchRun(id, tx)
            }
            let run = try insertRun(spec, startedAt: Date(), tx)
            try tx.execute("UPDATE \(lease.kind.rawValue) SET run_id = ? WHERE id = ?", [run.id, lease.id])
            return run
        }
    }

    /// Throws `RunStoreError.claimLost` unless `lease` still holds (nothing is written).
    public func verify(_ lease: WorkLease) throws {
        try backend.write { tx in try fence(lease, tx) }
    }

    /// Throws `claimLost` unless `lease`'s row is running under this worker and claim token, and
    /// (on PostgreSQL) locks the row until the transaction ends, so that nobody claims it between
    /// this check and the writes that follow it. SQLite's writer lock does the same.
    func fence(_ lease: WorkLease, _ tx: any SQLTransaction) throws {
        guard let row = try tx.fetchOne("SELECT status, claimed_by, claim FROM \(lease.kind.rawValue) WHERE id = ?\(dialect.forUpdate)",
                                        [lease.id], table: lease.kind.rawValue) else {
            throw RunStoreError.noSuchCell(id: lease.id, store: path)
        }
        let status: String = try row["status"], holder: String? = try row["claimed_by"], claim: Int64 = try row["claim"]
        guard status == "running", holder == lease.worker, claim == lease.claim else {
            throw RunStoreError.claimLost(cell: lease.id, worker: lease.worker, holder: holder, status: status)
        }
    }
}
