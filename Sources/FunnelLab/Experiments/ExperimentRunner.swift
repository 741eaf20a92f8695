import Foundation
import FunnelTrain

/// Runs an experiment's cells through the run store's cell queue.
///
/// Cells are enqueued once (keys already queued stay as they are, so finished cells are skipped),
/// then workers claim them one at a time, train, and mark them done. A worker sends heartbeats
/// while training; cells of a worker that died are claimed again and resume from their checkpoint.
/// Workers can be threads of nothing but the queue: `work()` in several processes — on one machine
/// with `--jobs`, or later on several machines sharing one database — take cells side by side.
public final class ExperimentRunner {
    public let spec: ExperimentSpec
    public let runDirectory: URL
    let store: RunStore

    public init(spec: ExperimentSpec, runDirectory: URL) throws {
        self.spec = spec
        self.runDirectory = runDirectory
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        store = try RunStore(path: runDirectory.appendingPathComponent(RunStore.fileName).path)
    }

    /// Queues every cell of the grid; returns (added now, total).
    @discardableResult
    public func enqueue() throws -> (added: Int, total: Int) {
        let cells = spec.cells()
        let added = try store.enqueueCells(experiment: spec.name, try cells.map { ($0.key, try RunSpec.json($0.config)) })
        try releaseCellsOfDeadWorkers()
        return (added, cells.count)
    }

    /// Cells claimed by a process of this machine that no longer exists go back to the queue at
    /// once (other machines' claims wait for their heartbeat to go stale).
    func releaseCellsOfDeadWorkers() throws {
        let host = ProcessInfo.processInfo.hostName
        for cell in try store.cells(experiment: spec.name, status: .running) {
            guard let owner = cell.claimedBy, owner.hasPrefix(host + ":"), let pid = Int32(owner.dropFirst(host.count + 1)) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try store.failCell(cell.id, error: "worker \(owner) died", worker: owner)
            }
        }
        try store.requeueFailedCells(experiment: spec.name)
    }

    /// Claims and trains cells until none is left. A cell that fails (a diverged run, bad data) is
    /// marked failed with its error and the worker goes on. Returns (finished, failed).
    @discardableResult
    public func work(events: @escaping (TrainingEvent) -> Void = { _ in }, failures: (String) -> Void = { _ in }) throws -> (finished: Int, failed: Int) {
        var finished = 0, failed = 0
        while let cell = try store.claimCell(experiment: spec.name) {
            let config = try JSONDecoder().decode(TrainConfig.self, from: Data(cell.config.utf8))
            var lastBeat = Date()
            let runName = cell.key.replacingOccurrences(of: "/", with: "-")
            do {
                let trainer = try Trainer(config: config, runDirectory: runDirectory, runName: runName, experiment: spec.name) { [store] event in
                    events(event)
                    if Date().timeIntervalSince(lastBeat) > 30 {
                        lastBeat = Date()
                        try? store.heartbeat(cell: cell.id)
                    }
                }
                let summary = try trainer.run(resume: true)
                try store.completeCell(cell.id, runID: summary.runID)
                finished += 1
            } catch let error as RunStoreError {
                throw error  // the store itself (or our claim) is gone: stop this worker
            } catch {
                try? store.failCell(cell.id, error: "\(error)")
                failures("\(cell.key): \(error)")
                failed += 1
            }
        }
        return (finished, failed)
    }

    /// Counts of the experiment's cells by status.
    public func progress() throws -> (done: Int, running: Int, pending: Int, failed: Int, total: Int) {
        let counts = try store.cellCounts(experiment: spec.name)
        let done = counts[.done] ?? 0, running = counts[.running] ?? 0, pending = counts[.pending] ?? 0, failed = counts[.failed] ?? 0
        return (done, running, pending, failed, done + running + pending + failed)
    }

    /// Runs `jobs` worker processes (`executable` with `arguments(threads)`) side by side, splitting
    /// the cores between them, and reports progress with an ETA until all cells are done.
    public func runWorkers(jobs: Int, cores: Int, executable: URL, arguments: (Int) -> [String],
                           report: (String) -> Void) throws {
        try enqueue()
        let before = try progress()
        if before.pending == 0 && before.running == 0 {
            report("\(spec.name): all \(before.total) cells already done")
            return
        }
        let threads = max(1, cores / max(1, jobs))
        let start = Date()
        let initiallyDone = before.done
        var processes: [Process] = []
        for _ in 0..<jobs {
            let p = Process()
            p.executableURL = executable
            p.arguments = arguments(threads)
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            processes.append(p)
        }
        while processes.contains(where: \.isRunning) {
            Thread.sleep(forTimeInterval: 5)
            let p = try progress()
            let newlyDone = p.done - initiallyDone
            let elapsed = Date().timeIntervalSince(start)
            let eta = newlyDone > 0 ? elapsed / Double(newlyDone) * Double(p.pending + p.running) : .infinity
            report("\(spec.name): \(p.done)/\(p.total) cells done, \(p.running) running, \(p.failed) failed, ETA \(formatDuration(eta))")
        }
        let failed = processes.filter { $0.terminationStatus != 0 }.count
        let p = try progress()
        report("\(spec.name): \(p.done)/\(p.total) cells done, \(p.failed) failed in \(formatDuration(Date().timeIntervalSince(start)))")
        if failed > 0 || p.failed > 0 {
            throw ExperimentError("\(spec.name): \(p.failed) cell(s) failed (see `funnel runs list --run-dir \(runDirectory.path)`); run again to retry them")
        }
    }
}
