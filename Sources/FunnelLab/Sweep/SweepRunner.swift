import Foundation
import FunnelTrain
import Yams

/// `funnel sweep`: trains the runs a W&B-style sweep file asks for, reports each run's metric back
/// to the search, and stops poor runs early when the file says `early_terminate`.
///
/// The sweep file may carry Funnel's extension `recipe:` (fixed `funnel train` fields, e.g. model,
/// data, epochs); each parameter name is a `funnel train` field too (`act`, `optimizer`,
/// `batch_size`, `lr`, ...). The metric is an epoch column of the run store: `test_loss`,
/// `test_top1`, `test_top5` (percent), `train_loss`, `train_acc`. Progress is kept in
/// `sweep-<name>.json` in the run directory, so an interrupted sweep continues where it stopped.
public final class SweepRunner {
    public let name: String
    public let sweep: Sweep
    public let recipe: TrainConfig
    public let runDirectory: URL

    public struct Record: Codable, Sendable {
        public var run: String
        public var assignment: String
        public var metric: Double?
        public var history: [Double]
    }

    public init(name: String, yaml: String, runDirectory: URL, seed: UInt64 = 0) throws {
        self.name = name
        self.runDirectory = runDirectory
        sweep = Sweep(try SweepConfiguration(yaml: yaml), seed: seed)
        let root = try Yams.load(yaml: yaml) as? [String: Any]
        if let fixed = root?["recipe"] {
            let json = try JSONSerialization.data(withJSONObject: fixed)
            recipe = try JSONDecoder().decode(TrainConfig.self, from: json)
        } else {
            recipe = TrainConfig()
        }
        let metric = sweep.configuration.metric?.name ?? "test_loss"
        guard SweepRunner.metricNames.contains(metric) else {
            throw ExperimentError("sweep metric '\(metric)': expected one of \(SweepRunner.metricNames.joined(separator: ", "))")
        }
        // Every parameter must be a training field: fail before the first run, not after it.
        let fields = try SweepRunner.trainingFields(recipe)
        for p in sweep.configuration.parameters where !fields.contains(p.name) {
            throw ExperimentError("sweep parameter '\(p.name)' is not a `funnel train` field")
        }
    }

    /// `TrainConfig`'s field names as written in files (optional fields absent from `recipe` included).
    static func trainingFields(_ recipe: TrainConfig) throws -> Set<String> {
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(recipe)) as! [String: Any]
        return Set(encoded.keys).union(["train_limit", "test_limit", "stages", "grad_clip"])
    }

    static let metricNames = ["test_loss", "test_top1", "test_top5", "train_loss", "train_acc"]

    /// The recipe with an assignment applied (keys are `TrainConfig`'s coding keys); nil when a key is
    /// not a training field.
    func config(for assignment: SweepAssignment) throws -> TrainConfig? {
        let fields = try SweepRunner.trainingFields(recipe)
        var dict = try JSONSerialization.jsonObject(with: JSONEncoder().encode(recipe)) as! [String: Any]
        for (key, value) in assignment {
            guard fields.contains(key) else { return nil }
            switch value {
            case .int(let v): dict[key] = v
            case .double(let v): dict[key] = v
            case .string(let v): dict[key] = v
            case .bool(let v): dict[key] = v
            }
        }
        let c = try JSONDecoder().decode(TrainConfig.self, from: JSONSerialization.data(withJSONObject: dict))
        try c.validate()
        return c
    }

    func metric(_ m: EpochMetrics) -> Double {
        switch sweep.configuration.metric?.name ?? "test_loss" {
        case "test_top1": m.test.top1 * 100
        case "test_top5": m.test.top5 * 100
        case "train_loss": m.trainLoss
        case "train_acc": m.trainAccuracy * 100
        default: m.test.loss
        }
    }

    var stateURL: URL { runDirectory.appendingPathComponent("sweep-\(name).json") }

    public func loadState() throws -> [Record] {
        guard FileManager.default.fileExists(atPath: stateURL.path) else { return [] }
        return try JSONDecoder().decode([Record].self, from: Data(contentsOf: stateURL))
    }

    private func save(_ records: [Record]) throws {
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        try JSONEncoder().encode(records).write(to: stateURL, options: .atomic)
    }

    /// Runs the sweep to its end (run cap, target, or exhausted grid). Returns every run's record.
    public func run(events: @escaping (TrainingEvent) -> Void = { _ in }, report: (String) -> Void = { _ in }) throws -> [Record] {
        var records = try loadState()
        let goal = sweep.configuration.metric?.goal ?? .minimize
        while true {
            // An unfinished record (interrupted sweep) is run again first; then the search suggests.
            let index: Int
            if let open = records.firstIndex(where: { $0.metric == nil }) {
                index = open
            } else {
                let history = try records.map { SweepObservation(assignment: try SweepAssignment(storageKey: $0.assignment), metric: $0.metric) }
                guard let next = sweep.nextRun(history: history) else { break }
                records.append(Record(run: "\(name)-\(records.count + 1)", assignment: next.storageKey, metric: nil, history: []))
                index = records.count - 1
                try save(records)
            }
            let assignment = try SweepAssignment(storageKey: records[index].assignment)
            guard let config = try config(for: assignment) else { throw ExperimentError("sweep assignment \(records[index].assignment) does not fit the recipe") }
            report("\(records[index].run): \(records[index].assignment)")
            var history: [Double] = []
            let others = records.enumerated().filter { $0.offset != index }.map(\.element.history)
            let summary = try Trainer(config: config, runDirectory: runDirectory, runName: records[index].run, experiment: name, events: events)
                .run(resume: true) { epochs in
                    history = epochs.map(self.metric)
                    let stop = self.sweep.shouldStop(runMetricHistory: history, allRunsHistory: others + [history])
                    if stop { report("\(records[index].run): stopped early by Hyperband after \(epochs.count) epochs") }
                    return !stop
                }
            history = summary.epochs.map(metric)
            let values = history.filter(\.isFinite)
            records[index].history = history
            records[index].metric = goal == .minimize ? values.min() : values.max()
            try save(records)
            report("\(records[index].run): \(sweep.configuration.metric?.name ?? "test_loss") = \(records[index].metric.map { String(format: "%.4f", $0) } ?? "-")")
        }
        return records
    }

    /// The reproducibility report's sweep: ResNet-18 on CIFAR-10, 50 epochs a run, Bayesian search
    /// minimising loss over activation x optimizer x batch size.
    public static let studySweep = """
        method: bayes
        metric: {name: test_loss, goal: minimize}
        run_cap: 20
        parameters:
          act: {values: [relu, mish, swish, frelu, dyrelu_a, dyrelu_b]}
          optimizer: {values: [adam, sgd]}
          batch_size: {values: [64, 128, 256]}
        early_terminate: {type: hyperband, min_iter: 3, eta: 3}
        recipe: {model: resnet18, data: ../shared/datasets/cifar10-jpeg.tar.gz, epochs: 50, schedule: cosine}
        """
}
