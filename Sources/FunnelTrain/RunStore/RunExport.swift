import Foundation

/// Exports of runs and their epochs for analysis elsewhere (pandas, R, spreadsheets).
extension RunStore {
    /// The runs matching `filter` as CSV, one row per epoch (a run without epochs gets one row
    /// with empty epoch columns). Columns: the run's (`run_id` ... `config`; its `git_commit` is the
    /// build that started it), then the epoch's (`epoch`, `epoch_git_commit`, the build that trained
    /// the epoch, then `train_loss` ... `images_per_second`), then `extra.<name>` for every extra
    /// metric any epoch has, sorted by name. Times are ISO 8601 UTC; missing values are empty.
    public func exportCSV(_ filter: RunFilter = RunFilter()) throws -> String {
        let details = try details(filter)
        let extras = Set(details.flatMap { $0.epochs.flatMap(\.extra.keys) }).sorted()
        let runColumns = ["run_id", "name", "experiment", "model", "act", "dataset", "seed", "status", "git_commit",
                          "host", "cpu", "threads", "started_at", "ended_at", "error", "checkpoint", "epochs",
                          "best_test_top1", "best_epoch", "final_test_top1", "final_test_top5", "final_test_loss",
                          "final_train_loss", "config"]
        var rows: [[String]] = []
        for detail in details {
            let run = detail.run
            let summary = run.summary
            let runCells: [String] = [
                "\(run.id)", run.spec.name, run.spec.experiment ?? "", run.spec.model, run.spec.act, run.spec.dataset,
                "\(run.spec.seed)", run.statusLabel, run.spec.gitCommit ?? "", run.spec.machine.host,
                run.spec.machine.cpu, "\(run.spec.machine.threads)", isoTimestamp(run.startedAt),
                run.endedAt.map(isoTimestamp) ?? "", run.error ?? "", run.checkpoint ?? "", "\(summary.epochs)",
                csvNumber(summary.bestTestTop1), summary.bestEpoch.map(String.init) ?? "", csvNumber(summary.finalTestTop1),
                csvNumber(summary.finalTestTop5), csvNumber(summary.finalTestLoss), csvNumber(summary.finalTrainLoss),
                run.spec.config,
            ]
            let emptyEpoch = [String](repeating: "", count: 2 + EpochRecord.fields.count + extras.count)
            if detail.epochs.isEmpty { rows.append(runCells + emptyEpoch) }
            for epoch in detail.epochs {
                let metrics = (EpochRecord.fields + extras).map { csvNumber(epoch.value($0)) }
                rows.append(runCells + ["\(epoch.epoch)", epoch.commit ?? ""] + metrics)
            }
        }
        let header = runColumns + ["epoch", "epoch_git_commit"] + EpochRecord.fields + extras.map { "extra.\($0)" }
        return CSVTable(header: header, rows: rows).text()
    }

    /// The runs matching `filter` as a JSON array of `{"run": {...}, "epochs": [...]}`, with each
    /// run's config embedded as a JSON object, keys sorted, pretty-printed.
    public func exportJSON(_ filter: RunFilter = RunFilter()) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Extra metrics may be infinite or NaN, which JSON cannot spell; write them as strings.
        encoder.nonConformingFloatEncodingStrategy = EpochRecord.nonFiniteEncoding
        return String(decoding: try encoder.encode(try details(filter)), as: UTF8.self) + "\n"
    }
}

/// A number as CSV text: Swift's shortest exact spelling (0.1, 92.5, 1e-05), empty for nil.
private func csvNumber(_ value: Double?) -> String {
    value.map { "\($0)" } ?? ""
}

/// `date` as ISO 8601 in UTC with milliseconds (the precision the store keeps).
func isoTimestamp(_ date: Date) -> String {
    date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}

extension RunRecord: Encodable {
    private enum Keys: String, CodingKey {
        case id, name, experiment, config, model, act, dataset, seed, status, gitCommit = "git_commit", host, cpu, threads
        case startedAt = "started_at", endedAt = "ended_at", error, checkpoint, summary
    }

    /// Flat fields named like the table's columns, the config as a JSON object, the summary nested.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(id, forKey: .id)
        try container.encode(spec.name, forKey: .name)
        try container.encode(spec.experiment, forKey: .experiment)
        try container.encode((try? JSONValue(parsing: spec.config)) ?? .string(spec.config), forKey: .config)
        try container.encode(spec.model, forKey: .model)
        try container.encode(spec.act, forKey: .act)
        try container.encode(spec.dataset, forKey: .dataset)
        try container.encode(spec.seed, forKey: .seed)
        try container.encode(status, forKey: .status)
        try container.encode(spec.gitCommit, forKey: .gitCommit)
        try container.encode(spec.machine.host, forKey: .host)
        try container.encode(spec.machine.cpu, forKey: .cpu)
        try container.encode(spec.machine.threads, forKey: .threads)
        try container.encode(isoTimestamp(startedAt), forKey: .startedAt)
        try container.encode(endedAt.map(isoTimestamp), forKey: .endedAt)
        try container.encode(error, forKey: .error)
        try container.encode(checkpoint, forKey: .checkpoint)
        try container.encode(summary, forKey: .summary)
    }
}

extension EpochRecord: Encodable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init(stringValue: String) { self.init(stringValue) }
        init?(intValue: Int) { nil }
    }

    /// `epoch`, every column metric (null when missing), `extra` as an object, and `git_commit`, the
    /// build that trained it (null when not recorded).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(epoch, forKey: Key("epoch"))
        for field in Self.fields {
            try container.encode(value(field), forKey: Key(field))
        }
        try container.encode(extra, forKey: Key("extra"))
        try container.encode(commit, forKey: Key("git_commit"))
    }
}
