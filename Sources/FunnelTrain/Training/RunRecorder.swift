import Foundation

/// Writes a run's rows into a run store (or nothing, without one) and decides where its
/// checkpoints go.
///
/// Without a lease the run is `<directory>/<name>/checkpoint.safetensors`, and on resume the
/// unfinished run of the same name continues. With a lease (a worker's cell or sweep run), the run
/// is the lease's (resumed from the checkpoint the store recorded for it), every write is fenced by
/// the lease, and checkpoints go to a file of this claim's own, `checkpoint-claim<N>.safetensors`:
/// a worker that lost its claim can write nothing its successor reads. The final checkpoint is
/// moved to `checkpoint.safetensors` while the lease is checked and held.
///
/// A run without a lease holds its folder while it trains (`RunFolderLock`), and a new run refuses
/// a folder whose checkpoint an earlier run of the same name left: neither overwrites the other.
final class RunRecorder {
    let store: RunStore?
    let lease: WorkLease?
    let runID: Int64?
    /// Where this run's checkpoints are written.
    let checkpointURL: URL?
    /// The checkpoint to resume from, if any.
    let resumeURL: URL?
    private let finalURL: URL?
    private let folderLock: RunFolderLock?
    /// Says the run is alive while it trains, so that a killed one shows as lost (`RunRecord.isLost`).
    private let heartbeat: RepeatingThread?

    init(store: RunStore?, lease: WorkLease?, directory: URL?, name: String, experiment: String?, config: TrainConfig,
         dataset: String, resume: Bool) throws {
        self.store = store
        self.lease = lease
        let folder = directory?.appendingPathComponent(name)
        if let folder { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        finalURL = folder?.appendingPathComponent("checkpoint.safetensors")
        // A leased run is fenced by its lease instead: its successor must start even while a worker
        // that lost the claim still runs.
        folderLock = try lease == nil ? folder.map { try RunFolderLock(folder: $0, runName: name) } : nil
        if lease == nil, !resume, let finalURL, FileManager.default.fileExists(atPath: finalURL.path) {
            throw TrainError.runExists(name: name, checkpoint: finalURL.path)
        }
        let spec = { RunSpec(name: name, experiment: experiment, config: try RunSpec.json(config), model: config.model,
                             act: config.act, dataset: dataset, seed: Int(config.seed), gitCommit: FunnelBuild.sourceCommit) }
        if let store, let lease {
            let run = try store.runForLease(lease, spec: try spec())
            Self.noteAnotherBuild(run)
            runID = run.id
            checkpointURL = folder?.appendingPathComponent("checkpoint-claim\(lease.claim).safetensors")
            resumeURL = run.checkpoint.flatMap { FileManager.default.fileExists(atPath: $0) ? URL(fileURLWithPath: $0) : nil }
        } else if let store {
            if resume, let previous = try store.runs(RunFilter(name: name)).last {
                // Continue (or, when already finished, re-read) the run of that name.
                runID = previous.id
                if previous.status != .finished {
                    Self.noteAnotherBuild(previous)
                    try store.updateStatus(previous.id, to: .running)
                }
            } else {
                runID = try store.createRun(try spec()).id
            }
            checkpointURL = finalURL
            resumeURL = resume ? finalURL : nil
        } else {
            runID = nil
            checkpointURL = finalURL
            resumeURL = resume ? finalURL : nil
        }
        if let store, let id = runID {
            heartbeat = RepeatingThread(name: "funnel-run-heartbeat", interval: RunRecord.heartbeatSeconds) {
                _ = try? store.touchRun(id)  // an unreachable store was retried; the next beat tries again
                return true
            }
        } else {
            heartbeat = nil
        }
    }

    deinit { heartbeat?.stop() }

    /// Says so when a run that has epochs from another build is continued by this one: its epochs
    /// from here on record this build's commit (`EpochRecord.commit`), and the report and `funnel
    /// runs show` name both builds.
    private static func noteAnotherBuild(_ run: RunRecord) {
        guard run.summary.epochs > 0, run.spec.gitCommit != FunnelBuild.sourceCommit else { return }
        writeToStandardError("note: run '\(run.spec.name)' was started by Funnel commit \(run.spec.gitCommit ?? "(none recorded)"); "
                             + "this build is \(FunnelBuild.sourceCommit ?? "from sources outside git")"
                             + ": the epochs it trains record its commit, and the run's results will mix the code of both builds\n")
    }

    /// Metrics of epochs already recorded for this run (resume).
    func previousEpochs() throws -> [EpochMetrics] {
        guard let store, let runID else { return [] }
        return try store.epochs(of: runID).map(EpochMetrics.init)
    }

    /// Records an epoch. A run killed between this row and its checkpoint redoes the epoch on
    /// resume with the same numbers (same seed), and the row is replaced by an equal one.
    func record(_ m: EpochMetrics) throws {
        guard let store, let runID else { return }
        var epoch = EpochRecord(m, runID: runID)
        epoch.commit = FunnelBuild.sourceCommit
        try store.appendEpoch(epoch, lease: lease)
    }

    /// Writes `checkpoint` and records it.
    func save(_ checkpoint: TrainingCheckpoint) throws {
        guard let url = checkpointURL else { return }
        // Refuse early, before writing a file nobody would read.
        if let lease, let store { try store.verify(lease) }
        try checkpoint.save(to: url)
        guard let store, let runID else { return }
        try store.setCheckpoint(runID, path: url.path, lease: lease)
    }

    func finish() throws {
        heartbeat?.stop()
        guard let store, let runID else { return }
        if lease != nil, let from = checkpointURL, let to = finalURL, FileManager.default.fileExists(atPath: from.path) {
            try store.setCheckpoint(runID, path: to.path, lease: lease) {
                _ = try? FileManager.default.removeItem(at: to)
                try FileManager.default.moveItem(at: from, to: to)
            }
            removeOlderClaimCheckpoints(keeping: to)
        }
        try store.finishRun(runID, checkpoint: finalURL?.path, lease: lease)
    }

    func interrupt() throws {
        heartbeat?.stop()
        guard let store, let runID else { return }
        try store.updateStatus(runID, to: .interrupted, lease: lease)
    }

    func fail(_ message: String) throws {
        heartbeat?.stop()
        guard let store, let runID else { return }
        try store.failRun(runID, error: message, lease: lease)
    }

    /// Checkpoints of earlier claims of this run, no longer referenced once it has finished.
    private func removeOlderClaimCheckpoints(keeping: URL) {
        let folder = keeping.deletingLastPathComponent()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where name.hasPrefix("checkpoint-claim") && name.hasSuffix(".safetensors") {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }
}
