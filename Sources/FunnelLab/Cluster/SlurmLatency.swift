import Foundation
import FunnelTrain

/// How long a grid submitted to Slurm waits before it trains: from `sbatch` to the first claim
/// and to the first recorded epoch, measured on the store's clock for a one-cell grid.
public enum SlurmLatency {
    public struct Result: Codable, Sendable {
        public var job: String
        /// Seconds from submission until a worker had claimed the cell.
        public var submitToClaim: Double
        /// Seconds from submission until the first epoch was recorded.
        public var submitToFirstEpoch: Double
        /// Seconds that first epoch itself took (the worker's own start-up is the rest).
        public var firstEpochSeconds: Double
    }

    /// Submits a one-cell grid (`recipe`) as an array job running `executable` workers, and waits
    /// (up to `timeout` seconds) for its first epoch.
    public static func measure(store: RunStore, location: StoreLocation, runDirectory: URL, executable: String, recipe: TrainConfig,
                               timeout: TimeInterval = 600) throws -> Result {
        let name = "bench-slurm-\(UUID().uuidString.prefix(8))"
        let spec = ExperimentSpec(name: name, models: [recipe.model], acts: [recipe.act], datasets: [recipe.data], seeds: [recipe.seed], recipe: recipe)
        try ExperimentRunner(spec: spec, runDirectory: runDirectory, store: store).enqueue()
        let job = SlurmJob(name: "funnel-\(name)", tasks: 1, workers: 1, cpusPerTask: 1, logDirectory: runDirectory.appendingPathComponent("slurm").path,
                           command: [executable, "experiment", "work", "--experiment", name, "--run-dir", runDirectory.path],
                           environment: [(StoreLocation.environmentVariable, location.argument)])
        let submitted = try store.serverTime()
        guard let id = try job.submit(scriptURL: runDirectory.appendingPathComponent("slurm/\(name).sbatch"), dryRun: false) else {
            throw ExperimentError("sbatch returned no job id")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let p = try store.cellProgress(experiment: name).first, p.epochsDone >= 1, let claimed = p.cell.claimedAt,
               let run = p.cell.runID, let epoch = try store.epochs(of: run).first {
                let firstEpochAt = try store.serverTime()
                return Result(job: id, submitToClaim: claimed.timeIntervalSince(submitted),
                              submitToFirstEpoch: firstEpochAt.timeIntervalSince(submitted),
                              firstEpochSeconds: try epoch.required("seconds"))
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw ExperimentError("job \(id): no epoch recorded within \(Int(timeout)) s (see \(runDirectory.path)/slurm/)")
    }
}
