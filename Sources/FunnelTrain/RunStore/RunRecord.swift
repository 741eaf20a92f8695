import Foundation

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
    /// Seconds since the process training the run last said it was alive, on the database's clock
    /// when the run was read; nil for runs recorded before Funnel kept this.
    public var heartbeatAge: Double?

    /// How often a training process says it is alive (`RunStore.touchRun`).
    public static let heartbeatSeconds: Double = 30
    /// Silence after which a running run counts as lost: four heartbeats missed.
    public static let lostAfterSeconds: Double = 120

    /// Whether the run is marked running but its process has not been heard from for
    /// `lostAfterSeconds`: it was killed (`kill -9`, the out-of-memory killer, a node's crash) before
    /// it could mark itself interrupted. Its last checkpoint is where it resumes.
    public var isLost: Bool { status == .running && (heartbeatAge ?? 0) > Self.lostAfterSeconds }

    /// The status as listings show it: `lost` for a lost run, else the stored status.
    public var statusLabel: String { isLost ? "lost" : status.rawValue }

    /// Whether two records hold the same stored run; `heartbeatAge`, which grows between two reads
    /// of one run, does not count.
    public static func == (a: RunRecord, b: RunRecord) -> Bool {
        a.id == b.id && a.spec == b.spec && a.status == b.status && a.startedAt == b.startedAt && a.endedAt == b.endedAt
            && a.error == b.error && a.checkpoint == b.checkpoint && a.summary == b.summary
    }

    /// The columns a `RunRecord` is read from: the table's, and the heartbeat's age on the
    /// database clock (the one its heartbeats were written by).
    static func selection(_ dialect: SQLDialect) -> String {
        "*, \(dialect.secondsSince("heartbeat_at")) AS heartbeat_age"
    }
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

extension RunRecord {
    init(row: SQLRow) throws {
        id = try row["id"]
        spec = RunSpec(name: try row["name"], experiment: try row["experiment"], config: try row["config"],
                       model: try row["model"], act: try row["act"], dataset: try row["dataset"], seed: try row["seed"],
                       gitCommit: try row["git_commit"],
                       machine: Machine(host: try row["host"], cpu: try row["cpu"], threads: try row["threads"]))
        status = try row["status"]
        startedAt = try row["started_at"]
        endedAt = try row["ended_at"]
        error = try row["error"]
        checkpoint = try row["checkpoint"]
        var summary = RunSummary()
        summary.epochs = try row["epochs"]
        summary.bestTestTop1 = try row["best_test_top1"]
        summary.bestEpoch = try row["best_epoch"]
        summary.finalTestTop1 = try row["final_test_top1"]
        summary.finalTestTop5 = try row["final_test_top5"]
        summary.finalTestLoss = try row["final_test_loss"]
        summary.finalTrainLoss = try row["final_train_loss"]
        self.summary = summary
        heartbeatAge = try row["heartbeat_age"]
    }

    /// Every column but `id`, for statements that let the database assign the id.
    func columnValues() -> [(String, SQLValue)] {
        [("name", spec.name.sqlValue), ("experiment", spec.experiment.sqlValue), ("config", spec.config.sqlValue),
         ("model", spec.model.sqlValue), ("act", spec.act.sqlValue), ("dataset", spec.dataset.sqlValue),
         ("seed", spec.seed.sqlValue), ("git_commit", spec.gitCommit.sqlValue), ("host", spec.machine.host.sqlValue),
         ("cpu", spec.machine.cpu.sqlValue), ("threads", spec.machine.threads.sqlValue), ("status", status.sqlValue),
         ("started_at", startedAt.sqlValue), ("ended_at", endedAt.sqlValue), ("error", error.sqlValue),
         ("checkpoint", checkpoint.sqlValue)] + summary.columnValues()
    }
}

extension RunSummary {
    /// The summary columns of table `run`.
    func columnValues() -> [(String, SQLValue)] {
        [("epochs", epochs.sqlValue), ("best_test_top1", bestTestTop1.sqlValue), ("best_epoch", bestEpoch.sqlValue),
         ("final_test_top1", finalTestTop1.sqlValue), ("final_test_top5", finalTestTop5.sqlValue),
         ("final_test_loss", finalTestLoss.sqlValue), ("final_train_loss", finalTrainLoss.sqlValue)]
    }
}
