import Foundation
import FunnelTrain

/// Event files for runs already in a run store (`funnel tensorboard export`): the same log
/// `TensorBoardLogger` writes while training, from the store's rows, for runs trained before
/// Funnel wrote TensorBoard logs or whose logs were lost.
///
/// Epoch `n`'s wall time is the run's start plus the recorded seconds of epochs 1...n. Parameter
/// histograms and step losses are not in the store and are not written.
public enum TensorBoardExport {
    /// What exporting did with one run.
    public enum Outcome: Equatable, Sendable {
        /// Written to this file.
        case written(URL)
        /// Its folder has event files already (from training or an earlier export).
        case skipped(folder: URL)
    }

    /// Writes `run`'s log into `<runDirectory>/<run name>/tb/`.
    /// - Parameters:
    ///   - epochs: the run's epochs (`RunStore.epochs(of:)`).
    ///   - replace: remove the folder's event files first instead of leaving the run alone.
    ///   - warn: told of values left out.
    /// - Throws: `RunStoreError.badColumn` for an epoch without its seconds, before any file is
    ///   written or removed.
    public static func export(_ run: RunRecord, epochs: [EpochRecord], runDirectory: URL, replace: Bool = false,
                              warn: @escaping (String) -> Void = TensorBoardLogger.printWarning) throws -> Outcome {
        let folder = TensorBoardRunLog.folder(runDirectory: runDirectory, run: run.spec.name)
        let existing = TensorBoardRunLog.eventFiles(in: folder)
        if !existing.isEmpty && !replace { return .skipped(folder: folder) }
        // Every wall time before anything is touched: an empty seconds column would shift all
        // later ones, and a log cut short would be skipped by the next export.
        let ordered = epochs.sorted { $0.epoch < $1.epoch }
        var elapsed = 0.0
        let times = try ordered.map { epoch in
            elapsed += try epoch.required("seconds")
            return run.startedAt.addingTimeInterval(elapsed)
        }
        for file in existing { try FileManager.default.removeItem(at: file) }
        let log = try TensorBoardRunLog(folder: folder, time: run.startedAt, warn: warn)
        try log.writeSessionStart(configJSON: run.spec.config, run: run.spec.name, time: run.startedAt)
        for (epoch, time) in zip(ordered, times) { try log.writeEpoch(epoch, time: time) }
        let end = run.endedAt ?? run.startedAt.addingTimeInterval(elapsed)
        switch run.status {
        case .finished: try log.writeEnd(epochs: ordered, status: .success, time: end)
        case .failed: try log.writeEnd(epochs: ordered, status: .failure, time: end)
        case .running, .interrupted: break  // its session goes on when it is resumed
        }
        return .written(log.url)
    }

    /// The runs whose folders hold the logs: of several runs with one name (a run started over
    /// in its first epoch, or one recorded before Funnel refused to start a run over a checkpoint),
    /// the last, as its log replaced theirs.
    public static func latestRunPerName(_ runs: [RunRecord]) -> [RunRecord] {
        var latest: [String: RunRecord] = [:]
        for run in runs where latest[run.spec.name].map({ $0.id < run.id }) ?? true { latest[run.spec.name] = run }
        return latest.values.sorted { $0.id < $1.id }
    }
}
