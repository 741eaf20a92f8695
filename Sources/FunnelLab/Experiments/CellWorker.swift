import Foundation
import FunnelInterop
import FunnelTrain

/// One worker of the cell queue: claims a cell, trains it under a lease kept alive by a
/// `LeaseKeeper`, records it done (or failed), and takes the next, until the queue is empty or a
/// stop is requested. What `funnel experiment work` runs, on one machine or on hundreds.
///
/// - A cell whose run throws (a non-finite loss, bad data) goes back to the queue until it has
///   used `maxAttempts`, then is marked failed; the worker goes on with other cells.
/// - A stop request (SIGTERM, SIGUSR1) ends the current step, writes a checkpoint of the epoch so
///   far and gives the cell back without counting the attempt, then the worker exits.
/// - A lost lease (the worker was cut off past it and the cell re-claimed) stops the run at its
///   next step; the store refuses anything it would still write.
public final class CellWorker {
    /// How a worker claims and keeps its cells.
    public struct Options: Sendable {
        /// Seconds a claim holds without renewal; renewed every third of it.
        public var leaseSeconds: TimeInterval = 300
        /// Attempts (failed runs, lapsed leases) before a cell is marked failed.
        public var maxAttempts: Int = 3
        /// Stop after this many cells (nil: until the queue is empty).
        public var maxCells: Int?
        /// The worker's id; by default `host:boot:pid`.
        public var workerID: String = RunStore.workerID

        public init(leaseSeconds: TimeInterval = 300, maxAttempts: Int = 3, maxCells: Int? = nil, workerID: String = RunStore.workerID) {
            self.leaseSeconds = leaseSeconds
            self.maxAttempts = maxAttempts
            self.maxCells = maxCells
            self.workerID = workerID
        }
    }

    /// What a worker did.
    public struct Tally: Sendable, Equatable {
        public var finished = 0
        public var failed = 0
        public var released = 0
        public var lost = 0
    }

    public let store: RunStore
    public let runDirectory: URL
    /// Only cells of this experiment (nil: any).
    public let experiment: String?
    public let options: Options

    public init(store: RunStore, runDirectory: URL, experiment: String?, options: Options = Options()) {
        self.store = store
        self.runDirectory = runDirectory
        self.experiment = experiment
        self.options = options
    }

    /// Claims and trains cells until none is left, `maxCells` are done, or `stop` is requested.
    @discardableResult
    public func run(stop: StopRequest = StopRequest(), events: @escaping (TrainingEvent) -> Void = { _ in },
                    report: (String) -> Void = { _ in }) throws -> Tally {
        var tally = Tally()
        while !stop.isRequested, tally.finished + tally.failed < options.maxCells ?? .max,
              let (cell, lease) = try store.claimCell(experiment: experiment, worker: options.workerID, lease: options.leaseSeconds,
                                                       maxAttempts: options.maxAttempts) {
            let keeper = LeaseKeeper(store: store, lease: lease)
            defer { keeper.stop() }
            report("\(cell.experiment)/\(cell.key): claimed by \(options.workerID) (claim \(cell.claim), attempt \(cell.attempts))")
            do {
                let config = try JSONDecoder().decode(TrainConfig.self, from: Data(cell.config.utf8))
                let runName = cell.key.replacingOccurrences(of: "/", with: "-")
                let tensorBoard = TensorBoardLogger(runDirectory: runDirectory, config: config)
                let trainer = try Trainer(config: config, runDirectory: runDirectory, runName: runName, experiment: cell.experiment,
                                          store: store, lease: lease, events: tensorBoard.handler(passingTo: events))
                let summary = try trainer.run(resume: true, shouldStop: { stop.isRequested || keeper.lost != nil })
                if let lost = keeper.lost { throw RunStoreError.claimLost(cell: cell.id, worker: lease.worker, holder: nil, status: lost) }
                keeper.stop()
                if summary.interrupted {
                    try store.releaseCell(lease, reason: stop.requested ?? "interrupted")
                    report("\(cell.experiment)/\(cell.key): checkpointed and given back (\(stop.requested ?? "interrupted"))")
                    tally.released += 1
                } else {
                    try store.completeCell(lease)
                    tally.finished += 1
                }
            } catch let error as RunStoreError {
                guard case .claimLost = error else { throw error }  // the store itself is gone: stop this worker
                report("\(cell.experiment)/\(cell.key): lost the cell (\(error)); nothing more is recorded for it here")
                tally.lost += 1
            } catch {
                keeper.stop()
                let status = try store.failCell(lease, error: "\(error)", maxAttempts: options.maxAttempts)
                report("\(cell.experiment)/\(cell.key): \(status == .failed ? "failed" : "failed, queued again"): \(error)")
                if status == .failed { tally.failed += 1 }
            }
        }
        return tally
    }
}
