import Foundation

/// What a trainer reports while it runs.
public enum TrainingEvent: Sendable {
    case started(run: String, parameters: Int, trainImages: Int, testImages: Int, stepsPerEpoch: Int, resumedFromEpoch: Int)
    /// After each training step: `loss` is the epoch's running mean so far, `batchLoss` this step's own.
    case step(epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double, batchLoss: Double, accuracy: Double, imagesPerSecond: Double, etaSeconds: Double)
    case epoch(EpochMetrics)
    case finished(TrainingSummary)
}

/// A progress bar on standard error: redrawn in place on a terminal, a line every few seconds otherwise.
public final class ProgressPrinter: @unchecked Sendable {
    private let interactive = isatty(FileHandle.standardError.fileDescriptor) != 0
    private var lastLine = Date.distantPast
    private let quiet: Bool

    public init(quiet: Bool = false) { self.quiet = quiet }

    public func handle(_ event: TrainingEvent) {
        switch event {
        case let .started(run, parameters, train, test, steps, resumed):
            write("\(run): \(String(format: "%.3f", Double(parameters) / 1e6))M parameters, \(train) train / \(test) test images, \(steps) steps an epoch"
                  + (resumed > 0 ? ", resuming after epoch \(resumed)" : "") + "\n")
        case let .step(epoch, epochs, step, steps, loss, _, accuracy, ips, eta):
            guard !quiet else { return }
            let now = Date()
            guard interactive || now.timeIntervalSince(lastLine) > 10 || step == steps else { return }
            lastLine = now
            let width = 24, filled = Int(Double(width) * Double(step) / Double(max(1, steps)))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let text = String(format: "epoch %d/%d [%@] %d/%d loss %.4f acc %.2f%% %.0f img/s ETA %@",
                              epoch, epochs, bar, step, steps, loss, accuracy * 100, ips, formatDuration(eta))
            write(interactive ? "\r\u{1B}[K" + text : text + "\n")
        case let .epoch(m):
            write((interactive && !quiet ? "\r\u{1B}[K" : "") + m.line + "\n")
        case let .finished(s):
            write(Self.finishedLine(s) + "\n")
        }
    }

    /// The last line of a run: `done: best test top-1 … (epoch …), final …`, or for a run stopped
    /// before its last epoch `interrupted after epoch N: …, last …`; a run stopped before its
    /// first epoch ended has no test figures, and the line says so instead of printing zeros.
    public static func finishedLine(_ s: TrainingSummary) -> String {
        guard let last = s.epochs.last else {
            return "interrupted in epoch 1, before any test figures (\(formatDuration(s.seconds)))"
        }
        let head = s.interrupted ? "interrupted after epoch \(last.epoch)" : "done"
        let final = s.interrupted ? "last" : "final"
        if let finalMeanIoU = s.finalMeanIoU, let pixelAccuracy = last.test.pixelAccuracy {
            return String(format: "%@: best test mIoU %.2f%%, %@ %.2f%% (pixel acc %.2f%%), %@", head, (s.bestMeanIoU ?? finalMeanIoU) * 100,
                          final, finalMeanIoU * 100, pixelAccuracy * 100, formatDuration(s.seconds))
        }
        return String(format: "%@: best test top-1 %.2f%% (epoch %d), %@ %.2f%%, %@", head, s.bestTop1 * 100, s.bestEpoch,
                      final, s.finalTop1 * 100, formatDuration(s.seconds))
    }

    private func write(_ s: String) { writeToStandardError(s) }
}

/// `1h02m`, `3m05s`, `12s`.
public func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    let s = Int(seconds.rounded())
    if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
    if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
    return "\(s)s"
}
