import Foundation
import FunnelTrain

/// The runs of a run store, grouped for a report: by study (dataset and planned training length),
/// then model, then configuration (the activation and its placement, see ``ConfigurationKey``).
/// Each group's runs are the seeds of one configuration.
///
/// Only finished runs count by default: a run still training, interrupted or failed would mix
/// unequal training lengths into means and standard deviations. Runs left out are kept in
/// ``excluded`` with the reason, so the report can say what it did not use.
public struct ReportData: Sendable {
    /// Runs of one dataset trained for one planned number of epochs.
    public struct Study: Codable, Sendable, Hashable {
        /// The dataset name the runs recorded (e.g. `synthetic`, `cifar10-jpeg`).
        public let dataset: String
        /// Epochs the runs were configured for; nil when the configs do not say.
        public let epochs: Int?

        public init(dataset: String, epochs: Int?) {
            self.dataset = dataset
            self.epochs = epochs
        }

        /// `CIFAR-10, 30 epochs`.
        public var title: String {
            ReportNames.dataset(dataset) + (epochs.map { ", \($0) epoch" + ($0 == 1 ? "" : "s") } ?? "")
        }
    }

    /// What a study's accuracy figures measure: test top-1 for classification, test mIoU for
    /// segmentation (the figure segmentation papers rank by).
    public enum AccuracyMetric: String, Codable, Sendable {
        case top1, meanIoU

        /// The epoch field of the run store that holds it.
        public var field: String { self == .top1 ? "test_top1" : "test_miou" }
        /// Its name in tables, axes and sentences.
        public var label: String { self == .top1 ? "top-1" : "mIoU" }
    }

    /// The runs of one (study, model, configuration): one per seed.
    public struct Group: Sendable {
        public let study: Study
        public let model: String
        /// The configuration's key: the activation spec as the runs recorded it (`frelu`, `dyrelu_b`,
        /// `frelu:k=5`), followed by the placement when it is not the default (`frelu@stages=1`).
        public let act: String
        /// The activation spec alone (`frelu@stages=1` -> `frelu`).
        public var activationSpec: String { ConfigurationKey.activation(of: act) }
        /// The runs with their epochs, by id.
        public let runs: [RunDetail]

        /// What the group's accuracy figures measure (from its runs' task).
        public var accuracyMetric: AccuracyMetric { config?.task == .segment ? .meanIoU : .top1 }
        /// Test accuracy (percent; top-1, or mIoU for segmentation) of each run's last epoch that has one.
        public var finalAccuracy: [Double] { runs.compactMap { RunMetric(.final, accuracyMetric.field).value(over: $0.epochs) } }
        /// Test loss of each run's last epoch that has one.
        public var finalLoss: [Double] { runs.compactMap { RunMetric(.final, "test_loss").value(over: $0.epochs) } }
        /// Each run's training throughput, the mean over its epochs.
        public var imagesPerSecond: [Double] { runs.compactMap { RunMetric(.mean, "images_per_second").value(over: $0.epochs) } }
        /// The seeds behind the group.
        public var seeds: [Int] { runs.map(\.run.spec.seed) }

        /// Mean and spread of an epoch metric over the runs, per epoch (epochs no run has are absent).
        public func curve(_ field: String) -> [CurvePoint] {
            var values: [Int: [Double]] = [:]
            for run in runs {
                for epoch in run.epochs {
                    if let v = epoch.value(field), v.isFinite { values[epoch.epoch, default: []].append(v) }
                }
            }
            return values.keys.sorted().map { CurvePoint(epoch: $0, summary: StoredSummary(values[$0]!)) }
        }

        /// The first run's configuration (the runs of a group differ only in their seeds).
        public var config: TrainConfig? { runs.first.flatMap { ReportData.config(of: $0.run) } }
    }

    /// One epoch of a curve over seeds.
    public struct CurvePoint: Codable, Sendable, Hashable {
        public let epoch: Int
        public let summary: StoredSummary
    }

    /// A run the report does not use, and why.
    public struct Exclusion: Sendable, Equatable {
        public let run: RunRecord
        public let reason: String
    }

    /// What `study`'s accuracy figures measure (its runs share one task); nil when it has no runs.
    public func accuracyMetric(of study: Study) -> AccuracyMetric? {
        groups.first { $0.study == study }?.accuracyMetric
    }

    /// Where the runs came from (the store's path), for the report's header.
    public let source: String
    /// The run directory, where each run's checkpoint sits in `<run name>/checkpoint.safetensors`.
    public let runDirectory: URL?
    /// Every group, by study, then model, then activation order.
    public let groups: [Group]
    /// Runs left out.
    public let excluded: [Exclusion]
    /// Configurations (activations, with their placement when not the default) in report order:
    /// the baseline first, then by first run.
    public let acts: [String]
    /// The configuration others are tested against (`relu` by default) when any run has it.
    public let baseline: String?

    /// Groups `details`.
    /// - Parameters:
    ///   - baseline: the activation to compare against; ignored when no run has it.
    ///   - includeUnfinished: use runs that are still running or were interrupted (never failed ones).
    public init(details: [RunDetail], source: String, runDirectory: URL? = nil, baseline: String? = "relu",
                includeUnfinished: Bool = false) {
        // Each used run with its config, decoded once.
        var used: [(detail: RunDetail, config: TrainConfig)] = []
        var excluded: [Exclusion] = []
        for detail in details.sorted(by: { $0.run.id < $1.run.id }) {
            let run = detail.run
            if run.status == .failed {
                excluded.append(Exclusion(run: run, reason: "failed" + (run.error.map { ": \($0)" } ?? "")))
                continue
            }
            let config: TrainConfig
            do {
                config = try ReportData.decodedConfig(of: run)
            } catch {
                // Without its config the run would be grouped by its activation alone, in a study of unknown length.
                excluded.append(Exclusion(run: run, reason: "its config is not one this build reads: \(error)"))
                continue
            }
            do { try config.checkPlacement() } catch {
                excluded.append(Exclusion(run: run, reason: "its placement names what its model lacks (\(error)): it trained ReLU there"))
                continue
            }
            if run.status != .finished && !includeUnfinished {
                excluded.append(Exclusion(run: run, reason: "\(run.statusLabel), \(detail.epochs.count) of \(config.epochs) epochs done"))
            } else if detail.epochs.isEmpty {
                excluded.append(Exclusion(run: run, reason: "no epochs recorded"))
            } else if run.status == .finished, detail.epochs.count < config.epochs {
                // A sweep's early termination: its last epoch is not comparable with full runs'.
                excluded.append(Exclusion(run: run, reason: "stopped early after \(detail.epochs.count) of \(config.epochs) epochs"))
            } else {
                used.append((detail, config))
            }
        }
        let fields = ConfigurationKey.varyingFields(used.map(\.config))
        let keys = Dictionary(uniqueKeysWithValues: used.map { detail, config in
            (detail.run.id, ConfigurationKey.make(act: detail.run.spec.act, config: config, fields: fields))
        })
        var firstSeen: [String] = []
        for (detail, _) in used where !firstSeen.contains(keys[detail.run.id]!) { firstSeen.append(keys[detail.run.id]!) }
        let resolvedBaseline = baseline.flatMap { firstSeen.contains($0) ? $0 : nil }
        acts = (resolvedBaseline.map { [$0] } ?? []) + firstSeen.filter { $0 != resolvedBaseline }
        self.baseline = resolvedBaseline

        var studies: [Study] = []
        var models: [String] = []
        var buckets: [String: [RunDetail]] = [:]
        func key(_ s: Study, _ model: String, _ act: String) -> String { "\(s.dataset)\u{1}\(s.epochs ?? -1)\u{1}\(model)\u{1}\(act)" }
        for (detail, config) in used {
            let study = Study(dataset: detail.run.spec.dataset, epochs: config.epochs)
            if !studies.contains(study) { studies.append(study) }
            if !models.contains(detail.run.spec.model) { models.append(detail.run.spec.model) }
            buckets[key(study, detail.run.spec.model, keys[detail.run.id]!), default: []].append(detail)
        }
        var groups: [Group] = []
        for study in studies {
            for model in models {
                for act in acts {
                    if let runs = buckets[key(study, model, act)] {
                        groups.append(Group(study: study, model: model, act: act, runs: runs))
                    }
                }
            }
        }
        self.groups = groups
        self.excluded = excluded
        self.source = source
        self.runDirectory = runDirectory
    }

    /// Opens `runs.sqlite` in `runDirectory` and groups its runs (of `experiment`, if given).
    /// - Throws: `ReportError.noStore` when the directory has no run store.
    /// - Parameter store: where the runs are recorded (e.g. PostgreSQL); by default `runs.sqlite` in `runDirectory`.
    public static func load(runDirectory: URL, store: StoreLocation? = nil, experiment: String? = nil, baseline: String? = "relu",
                            includeUnfinished: Bool = false) throws -> ReportData {
        let location = store ?? .sqlite(path: runDirectory.appendingPathComponent(RunStore.fileName).path)
        if case let .sqlite(path) = location, !FileManager.default.fileExists(atPath: path) { throw ReportError.noStore(path) }
        let path = location.description
        let store = try RunStore(location)
        let details = try store.details(RunFilter(experiment: experiment))
        return ReportData(details: details, source: path, runDirectory: runDirectory, baseline: baseline,
                          includeUnfinished: includeUnfinished)
    }

    /// The studies in order of their first run.
    public var studies: [Study] {
        var out: [Study] = []
        for g in groups where !out.contains(g.study) { out.append(g.study) }
        return out
    }

    /// The models of `study`, in order of their first run.
    public func models(in study: Study) -> [String] {
        var out: [String] = []
        for g in groups where g.study == study && !out.contains(g.model) { out.append(g.model) }
        return out
    }

    /// The activations of `study` and `model`, in report order.
    public func acts(in study: Study, model: String) -> [String] {
        groups.filter { $0.study == study && $0.model == model }.map(\.act)
    }

    /// The group of one configuration.
    public func group(_ study: Study, model: String, act: String) -> Group? {
        groups.first { $0.study == study && $0.model == model && $0.act == act }
    }

    /// Every run used.
    public var runs: [RunDetail] { groups.flatMap(\.runs) }

    /// The checkpoint of `run`: the path the store recorded if that file exists, else
    /// `<run directory>/<run name>/checkpoint.safetensors` (a run directory that was moved).
    public func checkpoint(of run: RunRecord) -> URL? {
        if let path = run.checkpoint, FileManager.default.fileExists(atPath: path) { return URL(fileURLWithPath: path) }
        if let runDirectory {
            let url = runDirectory.appendingPathComponent(run.spec.name).appendingPathComponent("checkpoint.safetensors")
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        return nil
    }

    /// The training configuration a run recorded (missing fields take `TrainConfig`'s defaults);
    /// nil when it is not one this build reads (see `decodedConfig(of:)`).
    public static func config(of run: RunRecord) -> TrainConfig? {
        try? decodedConfig(of: run)
    }

    /// The training configuration a run recorded.
    /// - Throws: the decoding error (an unknown key, an option outside its choices) when the
    ///   config was written by another build: such a run is left out of a report, with the reason.
    public static func decodedConfig(of run: RunRecord) throws -> TrainConfig {
        try JSONDecoder().decode(TrainConfig.self, from: Data(run.spec.config.utf8))
    }
}

/// Why a report could not be made.
public enum ReportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The run directory has no `runs.sqlite`.
    case noStore(String)
    /// The store (after filtering) has no usable runs.
    case noRuns(String)
    /// A model the activation probes cannot walk.
    case unsupportedModel(String)
    /// A checkpoint that does not say what the report needs.
    case badCheckpoint(String)
    /// Too few images for a figure that compares images.
    case tooFewImages(String)
    /// An option names a layer the inspected model does not have: the user's typo, so an error
    /// rather than a section left out.
    case noSuchLayer(String)

    public var description: String {
        switch self {
        case let .noStore(path): "[report] no run store at \(path) (expected the runs.sqlite that `funnel train --run-dir` writes)"
        case let .noRuns(why): "[report] \(why)"
        case let .unsupportedModel(why): "[report] \(why)"
        case let .badCheckpoint(why): "[report] \(why)"
        case let .tooFewImages(why): "[report] \(why)"
        case let .noSuchLayer(why): "[report] \(why)"
        }
    }
}

extension ReportError: LocalizedError {
    public var errorDescription: String? { description }
}
