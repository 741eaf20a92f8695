import Foundation

/// Where an experiment cell is in the queue.
public enum CellStatus: String, CaseIterable, Codable, Sendable, SQLColumnValue {
    /// Waiting for a worker.
    case pending
    /// Claimed by a worker, which renews its lease while it trains.
    case running
    /// Trained; `runID` is its run.
    case done
    /// Gave up after `attempts` tries (see `error` and the cell's attempt history).
    case failed
}

/// One cell of an experiment: a configuration to train once (a row of table `cell`).
///
/// An experiment is a grid of cells (e.g. model x activation x seed); workers on any number of
/// processes or machines take cells from the queue with `RunStore.claimCell`.
public struct CellRecord: Identifiable, Equatable, Sendable {
    /// The store's id for the cell.
    public var id: Int64
    /// The experiment the cell belongs to.
    public var experiment: String
    /// The cell's key within its experiment, e.g. "resnet20/frelu/seed1"; unique per experiment.
    public var key: String
    /// The full configuration to run, as JSON text.
    public var config: String
    /// Where the cell is in the queue.
    public var status: CellStatus
    /// The worker (`host:boot:pid`) that last claimed the cell.
    public var claimedBy: String?
    /// When the cell was last claimed (database clock).
    public var claimedAt: Date?
    /// When its worker last renewed its lease (database clock).
    public var heartbeatAt: Date?
    /// Until when the current claim holds; after that another worker may claim the cell.
    public var leaseUntil: Date?
    /// The fencing token: how many times the cell was ever claimed. A worker's writes carry the
    /// token of its claim and are refused once the cell has been claimed again.
    public var claim: Int64
    /// The run training this cell, once a worker has created it; kept across claims so that the
    /// next worker resumes it.
    public var runID: Int64?
    /// Claims that counted against the cell (failed or lost attempts; preemptions give theirs back).
    public var attempts: Int
    /// Why the cell failed.
    public var error: String?

    init(row: SQLRow) throws {
        id = try row["id"]
        experiment = try row["experiment"]
        key = try row["key"]
        config = try row["config"]
        status = try row["status"]
        claimedBy = try row["claimed_by"]
        claimedAt = try row["claimed_at"]
        heartbeatAt = try row["heartbeat_at"]
        leaseUntil = try row["lease_until"]
        claim = try row["claim"]
        runID = try row["run_id"]
        attempts = try row["attempts"]
        error = try row["error"]
    }
}

/// One claim of a cell, kept after it ends: who tried, when, and how it ended (table `cell_attempt`).
public struct CellAttempt: Equatable, Sendable {
    /// How a claim ended.
    public enum Outcome: String, Sendable, SQLColumnValue {
        /// Still held.
        case running
        /// Completed the cell.
        case done
        /// The run failed (`error` says how).
        case failed
        /// Given back on purpose (preemption, a time limit): not counted against the cell.
        case released
        /// The worker stopped renewing its lease (killed, cut off) and the lease ran out.
        case expired
    }

    /// The claim's fencing token.
    public var claim: Int64
    /// The worker that held it.
    public var worker: String
    /// When it was claimed.
    public var startedAt: Date
    /// When it ended.
    public var endedAt: Date?
    /// How it ended.
    public var outcome: Outcome
    /// The error, for failed attempts.
    public var error: String?

    init(row: SQLRow) throws {
        claim = try row["claim"]
        worker = try row["worker"]
        startedAt = try row["started_at"]
        endedAt = try row["ended_at"]
        outcome = try row["outcome"]
        error = try row["error"]
    }
}

/// A cell and how far its run got (see `RunStore.cellProgress`).
public struct CellProgress: Sendable {
    /// The cell.
    public var cell: CellRecord
    /// Epochs its run has recorded.
    public var epochsDone: Int
    /// Seconds since its worker last renewed the lease (database clock).
    public var heartbeatAge: Double?
    /// Seconds left on the lease (negative once it has run out).
    public var leaseLeft: Double?
    /// Seconds since the cell was last claimed.
    public var claimAge: Double?
}
