import Foundation
import FunnelTrain

/// Queues an experiment's cells in the run store and runs worker processes on this machine.
///
/// Cells are enqueued once (keys already queued stay as they are, so finished cells are skipped).
/// Workers (`CellWorker`, one per `funnel experiment work` process) claim cells one at a time —
/// on this machine with `--jobs`, or on many machines sharing a PostgreSQL store.
public final class ExperimentRunner {
    public let spec: ExperimentSpec
    public let runDirectory: URL
    public let store: RunStore

    /// - Parameter store: the run store; by default `runs.sqlite` in `runDirectory`.
    public init(spec: ExperimentSpec, runDirectory: URL, store: RunStore? = nil) throws {
        self.spec = spec
        self.runDirectory = runDirectory
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        self.store = try store ?? RunStore(directory: runDirectory)
    }

    /// Queues every cell of the grid; returns (added now, total).
    @discardableResult
    public func enqueue() throws -> (added: Int, total: Int) {
        let cells = spec.cells()
        let added = try store.enqueueCells(experiment: spec.name, try cells.map { ($0.key, try RunSpec.json($0.config)) })
        try releaseCellsOfDeadWorkers()
        return (added, cells.count)
    }

    /// Cells claimed by a process of this machine (this boot) that no longer exists become
    /// claimable at once; failed cells get fresh attempts (a run of the experiment retries them).
    func releaseCellsOfDeadWorkers() throws {
        let prefix = RunStore.workerID.split(separator: ":").dropLast().joined(separator: ":") + ":"
        for cell in try store.cells(experiment: spec.name, status: .running) {
            guard let owner = cell.claimedBy, owner.hasPrefix(prefix), let pid = Int32(owner.dropFirst(prefix.count)) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try store.expireClaim(cell: cell.id, ifHeldBy: owner) }
        }
        try store.requeueFailedCells(experiment: spec.name)
    }

    /// A worker for this experiment's cells.
    public func worker(options: CellWorker.Options = CellWorker.Options()) -> CellWorker {
        CellWorker(store: store, runDirectory: runDirectory, experiment: spec.name, options: options)
    }

    /// Counts of the experiment's cells by status.
    public func progress() throws -> (done: Int, running: Int, pending: Int, failed: Int, total: Int) {
        let counts = try store.cellCounts(experiment: spec.name)
        let done = counts[.done] ?? 0, running = counts[.running] ?? 0, pending = counts[.pending] ?? 0, failed = counts[.failed] ?? 0
        return (done, running, pending, failed, done + running + pending + failed)
    }

    /// Runs `jobs` worker processes (`executable` with `arguments(threads)`) side by side, splitting
    /// the cores between them, and reports progress with an ETA until all cells are done. A stop
    /// request is passed on to the workers (SIGTERM), which checkpoint and give their cells back.
    public func runWorkers(jobs: Int, cores: Int, executable: URL, arguments: (Int) -> [String], stop: StopRequest? = nil,
                           report: (String) -> Void) throws {
        try enqueue()
        let before = try progress()
        if before.pending == 0 && before.running == 0 {
            report("\(spec.name): all \(before.total) cells already done")
            return
        }
        let start = Date()
        let initiallyDone = before.done
        let workers = LocalWorkers(jobs: jobs, cores: cores, executable: executable)
        let failed = try workers.run(arguments: arguments, stop: stop, progress: {
            let p = try progress()
            let newlyDone = p.done - initiallyDone
            let elapsed = Date().timeIntervalSince(start)
            let eta = newlyDone > 0 ? elapsed / Double(newlyDone) * Double(p.pending + p.running) : .infinity
            return "\(p.done)/\(p.total) cells done, \(p.running) running, \(p.failed) failed, ETA \(formatDuration(eta))"
        }, report: { report("\(spec.name): \($0)") })
        let p = try progress()
        report("\(spec.name): \(p.done)/\(p.total) cells done, \(p.failed) failed in \(formatDuration(Date().timeIntervalSince(start)))")
        if let why = stop?.requested {
            throw ExperimentError("\(spec.name): stopped by \(why) with \(p.pending + p.running) cells left; run the same command again to resume")
        }
        if failed > 0 || p.failed > 0 {
            throw ExperimentError("\(spec.name): \(p.failed) cell(s) failed (see `funnel experiment status`); run again to retry them")
        }
    }
}
