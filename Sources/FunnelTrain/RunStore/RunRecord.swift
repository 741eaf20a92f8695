import Foundation
import GRDB

/// A run as stored: its specification, status, and summary metrics (a row of table `run`).
public struct RunRecord: Identifiable, Equatable, Sendable {
    /// The store's id for the run.
    public var id: Int64
    /// What the run was started with.
    public var spec: RunSpec
    /// Where the run is in its life.
    public var status: RunStatus
    /// When training started.
    public var startedAt: Date
    /// When the run finished, failed or was interrupted; nil while running.
    public var endedAt: Date?
    /// Why the run failed.
    public var error: String?
    /// The path of the run's latest checkpoint.
    public var checkpoint: String?
    /// Metrics summarised from the run's epochs, kept current as epochs are appended.
    public var summary: RunSummary
}

/// The headline numbers of a run, derived from its epochs (accuracies in percent).
public struct RunSummary: Codable, Equatable, Sendable {
    /// Number of epochs recorded.
    public var epochs: Int = 0
    /// Highest test top-1 accuracy of any epoch.
    public var bestTestTop1: Double?
    /// The epoch that reached `bestTestTop1` (the first, on ties).
    public var bestEpoch: Int?
    /// Test top-1 accuracy of the last evaluated epoch.
    public var finalTestTop1: Double?
    /// Test top-5 accuracy of the last evaluated epoch.
    public var finalTestTop5: Double?
    /// Test loss of the last evaluated epoch.
    public var finalTestLoss: Double?
    /// Training loss of the last epoch.
    public var finalTrainLoss: Double?

    private enum CodingKeys: String, CodingKey {
        case epochs, bestTestTop1 = "best_test_top1", bestEpoch = "best_epoch", finalTestTop1 = "final_test_top1"
        case finalTestTop5 = "final_test_top5", finalTestLoss = "final_test_loss", finalTrainLoss = "final_train_loss"
    }

    /// An empty summary (no epochs yet).
    public init() {}

    /// The summary of `epochs` (in any order).
    public init(epochs: [EpochRecord]) {
        let ordered = epochs.sorted { $0.epoch < $1.epoch }
        self.epochs = ordered.count
        let top1 = RunMetric(.max, "test_top1")
        bestTestTop1 = top1.value(over: ordered)
        bestEpoch = bestTestTop1.flatMap { best in ordered.first { $0.testTop1 == best }?.epoch }
        finalTestTop1 = RunMetric(.final, "test_top1").value(over: ordered)
        finalTestTop5 = RunMetric(.final, "test_top5").value(over: ordered)
        finalTestLoss = RunMetric(.final, "test_loss").value(over: ordered)
        finalTrainLoss = RunMetric(.final, "train_loss").value(over: ordered)
    }
}

extension RunRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "run"

    public init(row: Row) throws {
        id = row["id"]
        spec = RunSpec(name: row["name"], experiment: row["experiment"], config: row["config"],
                       model: row["model"], act: row["act"], dataset: row["dataset"], seed: row["seed"],
                       gitCommit: row["git_commit"],
                       machine: Machine(host: row["host"], cpu: row["cpu"], threads: row["threads"]))
        status = row["status"]
        startedAt = row["started_at"]
        endedAt = row["ended_at"]
        error = row["error"]
        checkpoint = row["checkpoint"]
        var summary = RunSummary()
        summary.epochs = row["epochs"]
        summary.bestTestTop1 = row["best_test_top1"]
        summary.bestEpoch = row["best_epoch"]
        summary.finalTestTop1 = row["final_test_top1"]
        summary.finalTestTop5 = row["final_test_top5"]
        summary.finalTestLoss = row["final_test_loss"]
        summary.finalTrainLoss = row["final_train_loss"]
        self.summary = summary
    }

    public func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        for (column, value) in columnValues() { container[column] = value }
    }

    /// Every column but `id`, for statements that let SQLite assign the id.
    func columnValues() -> [(String, (any DatabaseValueConvertible)?)] {
        [("name", spec.name), ("experiment", spec.experiment), ("config", spec.config), ("model", spec.model),
         ("act", spec.act), ("dataset", spec.dataset), ("seed", spec.seed), ("git_commit", spec.gitCommit),
         ("host", spec.machine.host), ("cpu", spec.machine.cpu), ("threads", spec.machine.threads),
         ("status", status), ("started_at", startedAt), ("ended_at", endedAt), ("error", error),
         ("checkpoint", checkpoint)] + summary.columnValues()
    }
}

extension RunSummary {
    /// The summary columns of table `run`.
    func columnValues() -> [(String, (any DatabaseValueConvertible)?)] {
        [("epochs", epochs), ("best_test_top1", bestTestTop1), ("best_epoch", bestEpoch),
         ("final_test_top1", finalTestTop1), ("final_test_top5", finalTestTop5),
         ("final_test_loss", finalTestLoss), ("final_train_loss", finalTrainLoss)]
    }
}
