import Foundation
import FunnelTrain

/// One run's TensorBoard log in `<run directory>/<run name>/tb/`: the tags below, the run's
/// hyperparameters and its session. `TensorBoardLogger` writes it while a run trains and
/// `funnel tensorboard export` from a run store afterwards, so both write the same things.
///
/// Per-epoch scalars take the epoch (1, 2, ...) as their step; `train/step_loss` takes the global
/// training step. Accuracies are in percent, as the run store keeps them. A value that is not a
/// finite float32 is never written: it is reported through `warn` instead.
public final class TensorBoardRunLog {
    /// The tags Funnel writes, and what each means (shown beside TensorBoard's charts).
    public enum Tag {
        public static let trainLoss = "train/loss"
        public static let trainTop1 = "train/top1"
        public static let testLoss = "test/loss"
        public static let testTop1 = "test/top1"
        public static let testTop5 = "test/top5"
        public static let learningRate = "lr"
        public static let imagesPerSecond = "images_per_second"
        public static let epochSeconds = "epoch_seconds"
        public static let stepLoss = "train/step_loss"
        public static let finalTestTop1 = "final/test_top1"
        public static let finalTestTop5 = "final/test_top5"
        public static let finalTestLoss = "final/test_loss"
        public static let finalTrainLoss = "final/train_loss"
        public static let bestTestTop1 = "best/test_top1"
        public static let bestEpoch = "best/epoch"
        /// Histograms of activation parameters are `params/<PyTorch name>`.
        public static let parameterPrefix = "params/"

        static let descriptions: [String: String] = [
            trainLoss: "Mean training loss over the epoch.",
            trainTop1: "Training top-1 accuracy over the epoch, percent (augmented images, weights changing).",
            testLoss: "Mean test loss after the epoch.",
            testTop1: "Test top-1 accuracy after the epoch, percent.",
            testTop5: "Test top-5 accuracy after the epoch, percent.",
            learningRate: "Learning rate of the epoch's last step.",
            imagesPerSecond: "Training throughput of the epoch (images per second, evaluation excluded).",
            epochSeconds: "Wall-clock seconds of the epoch, evaluation included.",
            stepLoss: "Training loss of the batch at this global step.",
            finalTestTop1: "Test top-1 accuracy of the last epoch, percent.",
            finalTestTop5: "Test top-5 accuracy of the last epoch, percent.",
            finalTestLoss: "Test loss of the last epoch.",
            finalTrainLoss: "Training loss of the last epoch.",
            bestTestTop1: "Highest test top-1 accuracy of any epoch, percent.",
            bestEpoch: "The epoch of the highest test top-1 accuracy.",
        ]

        /// The per-epoch scalars of an epoch's record.
        static func epochScalars(_ e: EpochRecord) -> [(tag: String, value: Double?)] {
            [(trainLoss, e.trainLoss), (trainTop1, e.trainAcc), (testLoss, e.testLoss), (testTop1, e.testTop1),
             (testTop5, e.testTop5), (learningRate, e.lr), (imagesPerSecond, e.imagesPerSecond), (epochSeconds, e.seconds)]
        }
    }

    /// The folder of a run's event files.
    public static func folder(runDirectory: URL, run: String) -> URL {
        runDirectory.appendingPathComponent(run).appendingPathComponent("tb")
    }

    /// The event files in `folder`, by name (the order TensorBoard reads them in).
    public static func eventFiles(in folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.contains("tfevents") }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// The file this log writes.
    public var url: URL { file.url }
    private let file: EventFileWriter
    private let warn: (String) -> Void
    /// Tags whose description this file has carried already (TensorBoard reads a tag's first).
    private var describedTags: Set<String> = []

    /// Starts a new event file in `folder`.
    /// - Parameter warn: told of every value left out (not finite).
    public init(folder: URL, time: Date = Date(), warn: @escaping (String) -> Void) throws {
        file = try EventFileWriter(directory: folder, time: time)
        self.warn = warn
    }

    /// The hyperparameters (every field of the run's configuration) and the session's start, so
    /// that TensorBoard's HParams view lists the run; `run` names its session group.
    public func writeSessionStart(configJSON: String, run: String, time: Date) throws {
        let hyperparameters = try TensorBoard.HParams.hyperparameters(configJSON: configJSON)
        try write(step: 0, time: time, [TensorBoard.HParams.sessionStart(hyperparameters, group: run, startTime: time.timeIntervalSince1970)])
    }

    /// Every metric of one epoch, at step `epoch.epoch`.
    public func writeEpoch(_ epoch: EpochRecord, time: Date) throws {
        try writeScalars(step: epoch.epoch, time: time, Tag.epochScalars(epoch))
    }

    /// The training loss at global step `step`.
    public func writeStepLoss(_ loss: Double, step: Int, time: Date) throws {
        try writeScalars(step: step, time: time, [(Tag.stepLoss, loss)])
    }

    /// Histograms of named parameters at step `epoch`.
    public func writeHistograms(_ parameters: [(name: String, values: [Float])], epoch: Int, time: Date) throws {
        var values: [TensorBoard.Value] = []
        for (name, data) in parameters {
            guard let histogram = TensorBoard.Histogram(data) else {
                warn("\(url.path): no histogram of \(name) at epoch \(epoch): it holds a value that is not finite")
                continue
            }
            values.append(TensorBoard.Value(tag: Tag.parameterPrefix + name, .histogram(histogram)))
        }
        try write(step: epoch, time: time, values)
    }

    /// The end of the run: final and best metrics of `epochs` at the last epoch's step (the
    /// HParams view shows a metric's last value), then the session's end with `status`.
    public func writeEnd(epochs: [EpochRecord], status: TensorBoard.HParams.Status, time: Date) throws {
        let summary = RunSummary(epochs: epochs)
        if let last = epochs.map(\.epoch).max() {
            try writeScalars(step: last, time: time, [
                (Tag.finalTestTop1, summary.finalTestTop1), (Tag.finalTestTop5, summary.finalTestTop5),
                (Tag.finalTestLoss, summary.finalTestLoss), (Tag.finalTrainLoss, summary.finalTrainLoss),
                (Tag.bestTestTop1, summary.bestTestTop1), (Tag.bestEpoch, summary.bestEpoch.map(Double.init)),
            ])
        }
        try write(step: epochs.map(\.epoch).max() ?? 0, time: time, [TensorBoard.HParams.sessionEnd(status, endTime: time.timeIntervalSince1970)])
    }

    /// Writes the values that are there and finite as float32; warns of the others.
    private func writeScalars(step: Int, time: Date, _ scalars: [(tag: String, value: Double?)]) throws {
        var values: [TensorBoard.Value] = []
        for (tag, value) in scalars {
            guard let value else { continue }  // not recorded for this epoch
            let stored = Float(value)
            guard stored.isFinite else {
                warn("\(url.path): \(tag) at step \(step) is \(value), which is not a finite float32; left out")
                continue
            }
            var metadata: TensorBoard.SummaryMetadata?
            if let description = Tag.descriptions[tag], describedTags.insert(tag).inserted {
                metadata = .scalar(description: description)
            }
            values.append(TensorBoard.Value(tag: tag, metadata: metadata, .scalar(stored)))
        }
        try write(step: step, time: time, values)
    }

    private func write(step: Int, time: Date, _ values: [TensorBoard.Value]) throws {
        guard !values.isEmpty else { return }
        try file.write(TensorBoard.Event(wallTime: time.timeIntervalSince1970, step: Int64(step), content: .summary(TensorBoard.Summary(values))))
    }
}
