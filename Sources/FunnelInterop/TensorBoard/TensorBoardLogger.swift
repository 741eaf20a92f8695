import Foundation
import FunnelTrain

/// Writes a TensorBoard log for every run a trainer trains, from its `TrainingEvent`s: chain it
/// into the trainer's `events` (`logger.handler(passingTo: printer.handle)`). Each run gets
/// `<run directory>/<run name>/tb/events.out.tfevents.<unix time>.<host>` (see `TensorBoardRunLog`
/// for the tags): the hyperparameters at its start, every epoch's metrics, the training loss every
/// `stepInterval` steps, histograms of FReLU and DY-ReLU parameters after every epoch, and the
/// final and best metrics with the session's end once it finishes.
///
/// - A resumed run gets a new file in the same folder, which TensorBoard reads as one run; only
///   the epochs and steps trained in this session are written, so nothing is repeated (but a
///   process killed between an epoch's events and its checkpoint repeats that epoch, with the
///   same numbers).
/// - A run started over from epoch 0 (killed in its first epoch, before its first checkpoint, and
///   run again) replaces the event files of its folder (a resume within the first epoch, too,
///   loses that epoch's earlier step losses). A new run never replaces a folder whose checkpoint
///   an earlier run left: the trainer refuses it (`TrainError.runExists`).
/// - A run that is already complete, read again by a resuming caller, writes nothing.
/// - A failure to write is reported through `warn` and ends this run's log; training goes on.
///
/// Not thread-safe: a trainer sends its events from one thread.
public final class TensorBoardLogger {
    /// What is logged besides the per-epoch metrics.
    public struct Options: Sendable {
        /// Log `train/step_loss` every this many global steps (0: never).
        public var stepInterval: Int
        /// Histograms of FReLU and DY-ReLU parameters after every epoch (read from the checkpoint
        /// just written).
        public var parameterHistograms: Bool

        public init(stepInterval: Int = 50, parameterHistograms: Bool = true) {
            self.stepInterval = stepInterval
            self.parameterHistograms = parameterHistograms
        }
    }

    /// Where runs are (the trainer's run directory).
    public let runDirectory: URL
    /// The configuration of the runs logged (their hyperparameters).
    public let config: TrainConfig
    public let options: Options
    private let warn: (String) -> Void
    private var current: (name: String, log: TensorBoardRunLog)?
    /// Computed at the first run's first epoch, then kept: every run of this logger has `config`.
    private var activationParameters: ActivationParameters?

    /// - Parameter warn: told of values left out and of a log that failed; by default a line on
    ///   standard error.
    public init(runDirectory: URL, config: TrainConfig, options: Options = Options(),
                warn: @escaping (String) -> Void = TensorBoardLogger.printWarning) {
        self.runDirectory = runDirectory
        self.config = config
        self.options = options
        self.warn = warn
    }

    /// An event handler that logs and then passes each event on to `next`.
    public func handler(passingTo next: @escaping (TrainingEvent) -> Void) -> (TrainingEvent) -> Void {
        { event in
            self.handle(event)
            next(event)
        }
    }

    /// Logs one event.
    public func handle(_ event: TrainingEvent) {
        do {
            try record(event)
        } catch {
            warn("\(error); TensorBoard logging of this run stopped")
            current = nil
        }
    }

    private func record(_ event: TrainingEvent) throws {
        switch event {
        case let .started(name, _, _, _, _, resumedFromEpoch):
            current = nil
            guard resumedFromEpoch < config.epochs else { return }
            let folder = TensorBoardRunLog.folder(runDirectory: runDirectory, run: name)
            let existing = TensorBoardRunLog.eventFiles(in: folder)
            if resumedFromEpoch == 0 { for file in existing { try FileManager.default.removeItem(at: file) } }
            let now = Date()
            let log = try TensorBoardRunLog(folder: folder, time: now, warn: warn)
            current = (name, log)
            // Once per run: a resumed run's session began in an earlier file.
            if resumedFromEpoch == 0 || existing.isEmpty {
                try log.writeSessionStart(configJSON: try RunSpec.json(config), run: name, time: now)
            }
        case let .step(epoch, _, step, steps, _, batchLoss, _, _, _):
            guard let current, options.stepInterval > 0 else { return }
            let globalStep = (epoch - 1) * steps + step
            if globalStep % options.stepInterval == 0 { try current.log.writeStepLoss(batchLoss, step: globalStep, time: Date()) }
        case let .epoch(metrics):
            guard let current else { return }
            try current.log.writeEpoch(EpochRecord(metrics), time: Date())
            if options.parameterHistograms { try writeHistograms(current.name, current.log, epoch: metrics.epoch) }
        case let .finished(summary):
            guard let current else { return }
            self.current = nil
            // An interrupted run ends its session when a later session finishes it.
            guard !summary.interrupted else { return }
            try current.log.writeEnd(epochs: summary.epochs.map { EpochRecord($0) }, status: .success, time: Date())
        }
    }

    private func writeHistograms(_ run: String, _ log: TensorBoardRunLog, epoch: Int) throws {
        let parameters = try activationParameters ?? ActivationParameters(config: config)
        activationParameters = parameters
        guard !parameters.names.isEmpty else { return }
        let runFolder = runDirectory.appendingPathComponent(run)
        guard let checkpoint = ActivationParameters.latestCheckpoint(in: runFolder) else {
            warn("\(runFolder.path): no checkpoint to read FReLU/DY-ReLU parameters from at epoch \(epoch); no histograms")
            return
        }
        let values: [(name: String, values: [Float])]
        do {
            values = try parameters.values(in: checkpoint)
        } catch {
            // The scalars matter more than the histograms: keep logging them.
            warn("\(checkpoint.path): no FReLU/DY-ReLU histograms at epoch \(epoch): \(error)")
            return
        }
        try log.writeHistograms(values, epoch: epoch, time: Date())
    }

    /// Writes `message` as a line on standard error.
    public static func printWarning(_ message: String) {
        writeToStandardError("tensorboard: \(message)\n")
    }
}
