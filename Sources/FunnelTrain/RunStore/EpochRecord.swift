import Foundation

/// The metrics of one epoch of one run (a row of table `epoch`).
///
/// Accuracies are in percent (0-100). Metrics are optional because an epoch may skip evaluation,
/// and because SQLite has no NaN: a diverged run's NaN loss is stored as NULL and reads back nil.
public struct EpochRecord: Equatable, Sendable {
    /// The run's id.
    public var runID: Int64
    /// The epoch number (the trainer decides whether it counts from 0 or 1).
    public var epoch: Int
    /// Mean training loss over the epoch.
    public var trainLoss: Double?
    /// Training top-1 accuracy, percent.
    public var trainAcc: Double?
    /// Mean test loss.
    public var testLoss: Double?
    /// Test top-1 accuracy, percent.
    public var testTop1: Double?
    /// Test top-5 accuracy, percent.
    public var testTop5: Double?
    /// Learning rate at the end of the epoch.
    public var lr: Double?
    /// Wall-clock seconds the epoch took.
    public var seconds: Double?
    /// Training throughput.
    public var imagesPerSecond: Double?
    /// Any other metrics by name (e.g. "ece", "grad_norm"); stored as a JSON object.
    public var extra: [String: Double]
    /// The commit of the Funnel build that trained the epoch (`FunnelBuild.sourceCommit`): a run
    /// resumed by another build records it here. Nil in rows from before Funnel recorded it, or from
    /// a build outside a git checkout.
    public var commit: String?

    /// An epoch's metrics.
    public init(runID: Int64, epoch: Int, trainLoss: Double? = nil, trainAcc: Double? = nil,
                testLoss: Double? = nil, testTop1: Double? = nil, testTop5: Double? = nil, lr: Double? = nil,
                seconds: Double? = nil, imagesPerSecond: Double? = nil, extra: [String: Double] = [:], commit: String? = nil) {
        self.runID = runID
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainAcc = trainAcc
        self.testLoss = testLoss
        self.testTop1 = testTop1
        self.testTop5 = testTop5
        self.lr = lr
        self.seconds = seconds
        self.imagesPerSecond = imagesPerSecond
        self.extra = extra
        self.commit = commit
    }

    /// The names of the metric columns, in table order; `value(_:)` accepts these and extra keys.
    public static let fields = ["train_loss", "train_acc", "test_loss", "test_top1", "test_top5",
                                "lr", "seconds", "images_per_second"]

    /// The metric called `field`: a column named in `fields`, else an `extra` entry.
    public func value(_ field: String) -> Double? {
        switch field {
        case "train_loss": trainLoss
        case "train_acc": trainAcc
        case "test_loss": testLoss
        case "test_top1": testTop1
        case "test_top5": testTop5
        case "lr": lr
        case "seconds": seconds
        case "images_per_second": imagesPerSecond
        default: extra[field]
        }
    }

    /// The column `column`, which Funnel writes for every epoch.
    /// - Throws: `RunStoreError.badColumn` naming the run, the epoch and the column when it is
    ///   empty (a row written by another tool): a number that is not there is not 0.
    public func required(_ column: String) throws -> Double {
        guard let value = value(column) else {
            throw RunStoreError.badColumn(table: "epoch", column: column, expected: "a number (Funnel writes it for every epoch)",
                                          found: "nothing, in run \(runID) epoch \(epoch)")
        }
        return value
    }
}

extension EpochRecord {
    /// NaN and infinities have no JSON spelling; these strings stand for them in `extra`.
    static let nonFiniteEncoding = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    static let nonFiniteDecoding = JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(
        positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")

    init(row: SQLRow) throws {
        runID = try row["run_id"]
        epoch = try row["epoch"]
        trainLoss = try row["train_loss"]
        trainAcc = try row["train_acc"]
        testLoss = try row["test_loss"]
        testTop1 = try row["test_top1"]
        testTop5 = try row["test_top5"]
        lr = try row["lr"]
        seconds = try row["seconds"]
        imagesPerSecond = try row["images_per_second"]
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = Self.nonFiniteDecoding
        extra = try decoder.decode([String: Double].self, from: Data((try row["extra"] as String).utf8))
        commit = try row["git_commit"]
    }

    /// Every column, in table order.
    func columnValues() throws -> [(String, SQLValue)] {
        [("run_id", runID.sqlValue), ("epoch", epoch.sqlValue), ("train_loss", trainLoss.sqlValue),
         ("train_acc", trainAcc.sqlValue), ("test_loss", testLoss.sqlValue), ("test_top1", testTop1.sqlValue),
         ("test_top5", testTop5.sqlValue), ("lr", lr.sqlValue), ("seconds", seconds.sqlValue),
         ("images_per_second", imagesPerSecond.sqlValue), ("extra", try extraJSON().sqlValue), ("git_commit", commit.sqlValue)]
    }

    /// `extra` as JSON text with sorted keys.
    func extraJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = Self.nonFiniteEncoding
        return String(decoding: try encoder.encode(extra), as: UTF8.self)
    }
}

extension EpochRecord {
    /// An epoch's metrics as the run store records them: accuracies in percent (readable exports),
    /// where Funnel's code uses fractions.
    public init(_ metrics: EpochMetrics, runID: Int64 = 0) {
        self.init(runID: runID, epoch: metrics.epoch, trainLoss: metrics.trainLoss, trainAcc: metrics.trainAccuracy * 100,
                  testLoss: metrics.test.loss, testTop1: metrics.test.top1 * 100, testTop5: metrics.test.top5 * 100,
                  lr: metrics.learningRate, seconds: metrics.seconds, imagesPerSecond: metrics.imagesPerSecond,
                  extra: Self.extra(metrics.test))
    }

    /// The evaluation's metrics without a column: the test count, and for segmentation
    /// `test_miou` and `test_pixel_acc` (percent).
    static func extra(_ test: Evaluation) -> [String: Double] {
        var extra = ["test_count": Double(test.count)]
        if let miou = test.meanIoU { extra["test_miou"] = miou * 100 }
        if let accuracy = test.pixelAccuracy { extra["test_pixel_acc"] = accuracy * 100 }
        return extra
    }
}

extension EpochMetrics {
    /// An epoch read back from its row (a resumed run's earlier epochs, a finished run a comparison
    /// reuses): the inverse of `EpochRecord.init(_:runID:)`, segmentation's mIoU and pixel accuracy
    /// included. Per-class IoU is not stored and comes back nil.
    /// - Throws: `RunStoreError.badColumn` naming the run, the epoch and the column when a column
    ///   that Funnel writes for every epoch is empty (a row written by another tool): a number that
    ///   is not there is not 0.
    public init(_ record: EpochRecord) throws {
        let stored = record.required
        let test = Evaluation(loss: try stored("test_loss"), top1: try stored("test_top1") / 100, top5: try stored("test_top5") / 100,
                              count: Int(try stored("test_count")), meanIoU: record.extra["test_miou"].map { $0 / 100 },
                              pixelAccuracy: record.extra["test_pixel_acc"].map { $0 / 100 })
        self.init(epoch: record.epoch, trainLoss: try stored("train_loss"), trainAccuracy: try stored("train_acc") / 100, test: test,
                  learningRate: try stored("lr"), seconds: try stored("seconds"), imagesPerSecond: try stored("images_per_second"))
    }
}
