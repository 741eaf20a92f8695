import Foundation
import GRDB

/// Where an experiment cell is in the queue.
public enum CellStatus: String, CaseIterable, Codable, Sendable, DatabaseValueConvertible {
    /// Waiting for a worker.
    case pending
    /// Claimed by a worker, which sends heartbeats while it trains.
    case running
    /// Trained; `runID` is its run.
    case done
    /// Gave up: the run failed, or workers kept dying on it (see `error`).
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
    /// The worker (`host:pid`) that last claimed the cell.
    public var claimedBy: String?
    /// When the cell was last claimed.
    public var claimedAt: Date?
    /// When its worker last reported being alive.
    public var heartbeatAt: Date?
    /// The run training this cell, once the worker has created it.
    public var runID: Int64?
    /// How many times the cell has been claimed.
    public var attempts: Int
    /// Why the cell failed.
    public var error: String?
}

extension CellRecord: FetchableRecord, TableRecord {
    public static let databaseTableName = "cell"

    public init(row: Row) throws {
        id = row["id"]
        experiment = row["experiment"]
        key = row["key"]
        config = row["config"]
        status = row["status"]
        claimedBy = row["claimed_by"]
        claimedAt = row["claimed_at"]
        heartbeatAt = row["heartbeat_at"]
        runID = row["run_id"]
        attempts = row["attempts"]
        error = row["error"]
    }
}
