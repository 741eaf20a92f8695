import Foundation

/// Writes a run's rows into the run store of a run directory (or nothing, without one).
/// On resume it continues the unfinished run of the same name instead of starting a new row.
final class RunRecorder {
    let store: RunStore?
    let runID: Int64?

    init(directory: URL?, name: String, experiment: String?, config: TrainConfig, dataset: String, resume: Bool) throws {
        guard let directory else { store = nil; runID = nil; return }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent(name), withIntermediateDirectories: true)
        let store = try RunStore(path: directory.appendingPathComponent("runs.sqlite").path)
        self.store = store
        if resume, let previous = try store.runs().filter({ $0.spec.name == name }).last {
            // Continue (or, when already finished, re-read) the run of that name.
            runID = previous.id
            if previous.status != .finished { try store.updateStatus(previous.id, to: .running) }
        } else {
            let spec = RunSpec(name: name, experiment: experiment, config: try RunSpec.json(config), model: config.model,
                               act: config.act, dataset: dataset, seed: Int(config.seed), gitCommit: RunRecorder.gitCommit())
            runID = try store.createRun(spec).id
        }
    }

    /// Metrics of epochs already recorded for this run (resume).
    func previousEpochs() throws -> [EpochMetrics] {
        guard let store, let runID else { return [] }
        return try store.epochs(of: runID).map { e in
            EpochMetrics(epoch: e.epoch, trainLoss: e.trainLoss ?? 0, trainAccuracy: (e.trainAcc ?? 0) / 100,
                         test: Evaluation(loss: e.testLoss ?? 0, top1: (e.testTop1 ?? 0) / 100, top5: (e.testTop5 ?? 0) / 100,
                                          count: Int(e.extra["test_count"] ?? 0)),
                         learningRate: e.lr ?? 0, seconds: e.seconds ?? 0, imagesPerSecond: e.imagesPerSecond ?? 0)
        }
    }

    func record(_ m: EpochMetrics) throws {
        guard let store, let runID else { return }
        // A run killed between this row and its checkpoint redoes the epoch on resume, with the
        // same numbers (same seed): keep the row already there.
        if try store.epochs(of: runID).contains(where: { $0.epoch == m.epoch }) { return }
        // The store keeps accuracies in percent (readable exports); Funnel's code uses fractions.
        try store.appendEpoch(EpochRecord(runID: runID, epoch: m.epoch, trainLoss: m.trainLoss, trainAcc: m.trainAccuracy * 100,
                                          testLoss: m.test.loss, testTop1: m.test.top1 * 100, testTop5: m.test.top5 * 100, lr: m.learningRate,
                                          seconds: m.seconds, imagesPerSecond: m.imagesPerSecond, extra: ["test_count": Double(m.test.count)]))
    }

    func setCheckpoint(_ path: String) throws {
        guard let store, let runID else { return }
        try store.setCheckpoint(runID, path: path)
    }

    func finish(checkpoint: String?) throws {
        guard let store, let runID else { return }
        try store.finishRun(runID, checkpoint: checkpoint)
    }

    func interrupt() throws {
        guard let store, let runID else { return }
        try store.updateStatus(runID, to: .interrupted)
    }

    func fail(_ message: String) throws {
        guard let store, let runID else { return }
        try store.failRun(runID, error: message)
    }

    /// The current commit of the working directory's repository, if any.
    static func gitCommit() -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "rev-parse", "--short", "HEAD"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        p.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return p.terminationStatus == 0 && !text.isEmpty ? text : nil
    }
}
