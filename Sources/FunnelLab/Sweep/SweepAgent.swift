import Foundation
import FunnelInterop
import FunnelStats
import FunnelTrain

/// One agent of a sweep whose state lives in the run store, like `wandb agent`: it asks the
/// store for its next run (a new proposal, or a run whose agent died), trains it under a lease,
/// records the metric after every epoch, stops it early when Hyperband says so, and records its
/// result. Any number of agents, on any machines, run one sweep together.
public final class SweepAgent {
    /// How an agent takes and keeps its runs.
    public struct Options: Sendable {
        /// Seconds a claim holds without renewal.
        public var leaseSeconds: TimeInterval = 300
        /// Attempts (lapsed leases) before a run is marked failed.
        public var maxAttempts = 3
        /// Stop after training this many runs (nil: until the sweep is over).
        public var count: Int?
        public var workerID = RunStore.workerID

        public init(leaseSeconds: TimeInterval = 300, maxAttempts: Int = 3, count: Int? = nil, workerID: String = RunStore.workerID) {
            self.leaseSeconds = leaseSeconds
            self.maxAttempts = maxAttempts
            self.count = count
            self.workerID = workerID
        }
    }

    public let store: RunStore
    public let sweepID: Int64
    public let definition: SweepDefinition
    public let runDirectory: URL
    public let options: Options

    /// An agent for sweep `sweepID` of `store`, keeping checkpoints in `runDirectory`.
    public init(store: RunStore, sweepID: Int64, runDirectory: URL, options: Options = Options()) throws {
        self.store = store
        self.sweepID = sweepID
        definition = try SweepDefinition(try store.sweep(sweepID))
        self.runDirectory = runDirectory
        self.options = options
    }

    /// Trains runs until the sweep is over, `count` runs are done, or `stop` is requested.
    /// - Returns: the runs this agent ended (finished or failed).
    @discardableResult
    public func run(stop: StopRequest = StopRequest(), events: @escaping (TrainingEvent) -> Void = { _ in },
                    report: (String) -> Void = { _ in }) throws -> [SweepRunRecord] {
        var ended: [SweepRunRecord] = []
        let metricName = definition.sweep.configuration.metric?.name ?? "test_loss"
        while !stop.isRequested, ended.count < options.count ?? .max,
              let (run, lease) = try store.nextSweepRun(sweepID, worker: options.workerID, lease: options.leaseSeconds,
                                                        maxAttempts: options.maxAttempts, propose: definition.propose) {
            let keeper = LeaseKeeper(store: store, lease: lease)
            defer { keeper.stop() }
            let runName = "\(definition.name)-\(run.number)"
            report("\(runName): \(run.assignment) (claimed by \(options.workerID), claim \(run.claim))")
            var history: [Double] = []
            do {
                let assignment = try SweepAssignment(storageKey: run.assignment)
                guard let config = try definition.config(for: assignment) else {
                    throw ExperimentError("sweep assignment \(run.assignment) does not fit the recipe")
                }
                let tensorBoard = TensorBoardLogger(runDirectory: runDirectory, config: config)
                let trainer = try Trainer(config: config, runDirectory: runDirectory, runName: runName, experiment: definition.name,
                                          store: store, lease: lease, events: tensorBoard.handler(passingTo: events))
                let summary = try trainer.run(resume: true, continueAfter: { epochs in
                    history = epochs.map(self.definition.metric)
                    do {
                        try self.store.recordSweepHistory(lease, history: history)
                        let others = try self.store.sweepRuns(self.sweepID).filter { $0.id != run.id }.map(\.history)
                        // After its last epoch a run is complete: Hyperband has nothing left to stop.
                        let stop = epochs.count < config.epochs
                            && self.definition.sweep.shouldStop(runMetricHistory: history, allRunsHistory: others + [history])
                        if stop { report("\(runName): stopped early by Hyperband after \(epochs.count) epochs") }
                        return !stop
                    } catch {
                        return keeper.lost == nil  // the next write will say what is wrong
                    }
                }, shouldStop: { stop.isRequested || keeper.lost != nil })
                if let lost = keeper.lost { throw RunStoreError.claimLost(cell: run.id, worker: lease.worker, holder: nil, status: lost) }
                keeper.stop()
                if summary.interrupted {
                    try store.releaseSweepRun(lease)
                    report("\(runName): checkpointed and given back (\(stop.requested ?? "interrupted"))")
                    continue
                }
                history = summary.epochs.map(definition.metric)
                let metric = definition.result(history)
                try store.endSweepRun(lease, metric: metric, history: history)
                report("\(runName): \(metricName) = \(metric.map { String(format: "%.4f", $0) } ?? "-")")
            } catch let error as RunStoreError {
                guard case .claimLost = error else { throw error }
                report("\(runName): lost the run (\(error)); nothing more is recorded for it here")
                continue
            } catch {
                keeper.stop()
                try store.endSweepRun(lease, metric: nil, history: history, error: "\(error)")
                report("\(runName): failed: \(error)")
            }
            if let record = try store.sweepRuns(sweepID).first(where: { $0.id == run.id }) { ended.append(record) }
        }
        return ended
    }
}
