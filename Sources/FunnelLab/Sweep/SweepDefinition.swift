import Foundation
import FunnelStats
import FunnelTrain
import Yams

/// A sweep file made ready to train: the W&B-style search and early termination it asks for, and
/// the `funnel train` recipe its runs start from.
///
/// The sweep file may carry Funnel's extension `recipe:` (fixed `funnel train` fields, e.g. model,
/// data, epochs); each parameter name is a `funnel train` field too (`act`, `optimizer`,
/// `batch_size`, `lr`, ...). The metric is an epoch column of the run store: `test_loss`,
/// `test_top1`, `test_top5` (percent), `train_loss`, `train_acc`. Runs are trained by
/// `SweepAgent`s, any number of them, with the sweep's state in the run store.
public struct SweepDefinition: Sendable {
    public let name: String
    public let sweep: Sweep
    public let recipe: TrainConfig
    /// The sweep file's text.
    public let yaml: String
    /// The names a parameter may have: `TrainConfig`'s fields (`trainingFields(recipe)`, read once).
    private let fields: Set<String>

    public init(name: String, yaml: String, seed: UInt64 = 0) throws {
        self.name = name
        self.yaml = yaml
        sweep = Sweep(try SweepConfiguration(yaml: yaml), seed: seed)
        if let json = try Self.recipeJSON(yaml) {
            recipe = try JSONDecoder().decode(TrainConfig.self, from: json)
        } else {
            recipe = TrainConfig()
        }
        let metric = sweep.configuration.metric?.name ?? "test_loss"
        guard SweepDefinition.metricNames.contains(metric) else {
            throw ExperimentError("sweep metric '\(metric)': expected one of \(SweepDefinition.metricNames.joined(separator: ", "))")
        }
        // Every parameter must be a training field: fail before the first run, not after it.
        fields = try SweepDefinition.trainingFields(recipe)
        for p in sweep.configuration.parameters where !fields.contains(p.name) {
            throw ExperimentError("sweep parameter '\(p.name)' is not a `funnel train` field"
                                  + (closestMatch(to: p.name, in: fields.sorted()).map { "; did you mean '\($0)'?" } ?? ""))
        }
        try checkValues()
    }

    /// The most grid combinations checked one by one before the first run; past it, each value on its own.
    static let combinationsChecked = 10_000

    /// Every value a run can get, checked against the recipe before the first run, so that a
    /// misspelt activation or a range reaching a negative rate is an error now, not a failed run
    /// hours into the sweep: each listed value and each range's ends, the other parameters at
    /// their first values (any search can draw that combination), and every combination of a grid.
    private func checkValues() throws {
        let parameters = sweep.configuration.parameters
        let candidates = parameters.map { parameter -> [SweepValue] in
            switch parameter.domain {
            case let .constant(value): [value]
            case let .categorical(values, probabilities):
                probabilities.map { zip(values, $0).filter { $0.1 > 0 }.map(\.0) } ?? values  // a value never drawn is never run
            case let .range(range): [range.value(atUnit: 0), range.value(atUnit: 1)]
            }
        }
        let first = Dictionary(uniqueKeysWithValues: zip(parameters, candidates).compactMap { p, values in values.first.map { (p.name, $0) } })
        for (parameter, values) in zip(parameters, candidates) {
            for value in values {
                var assignment = first
                assignment[parameter.name] = value
                do { _ = try config(for: assignment) } catch {
                    let others = assignment.filter { $0.key != parameter.name }
                    throw ExperimentError("sweep parameter '\(parameter.name)', value \(value)"
                                          + (others.isEmpty ? "" : " (with \(Self.text(others)))") + ": \(error)")
                }
            }
        }
        guard sweep.configuration.method == .grid else { return }
        let grid = GridSearch(parameters: sweep.configuration.parameters)
        guard grid.count <= Self.combinationsChecked else { return }
        for index in 0..<grid.count {
            let assignment = grid.assignment(at: index)
            do { _ = try config(for: assignment) } catch {
                throw ExperimentError("sweep grid combination {\(Self.text(assignment))}: \(error)")
            }
        }
    }

    /// `a: 1, b: x`, by name.
    private static func text(_ assignment: SweepAssignment) -> String {
        assignment.keys.sorted().map { "\($0): \(assignment[$0]!)" }.joined(separator: ", ")
    }

    /// The file's `recipe:` mapping as JSON, or nil without one. Read from Yams' node tree rather
    /// than `Yams.load`, which traps on a mapping key that is not a string, and JSONSerialization,
    /// which traps on values it cannot write (both found by fuzzing).
    static func recipeJSON(_ yaml: String) throws -> Data? {
        guard let recipe = try Yams.compose(yaml: yaml)?.mapping?["recipe"] else { return nil }
        guard recipe.mapping != nil else {
            throw ExperimentError("recipe: expected a mapping of `funnel train` fields, found \(recipe.scalar.map { "'\($0.string)'" } ?? "a list")")
        }
        return try JSONSerialization.data(withJSONObject: try jsonValue(recipe, path: "recipe"))
    }

    /// A YAML node as a JSON value: mappings with string keys, lists, and scalars typed as YAML
    /// resolves them (integers, floats, booleans, null, else strings).
    private static func jsonValue(_ node: Node, path: String) throws -> Any {
        if let mapping = node.mapping {
            var out: [String: Any] = [:]
            for (key, value) in mapping {
                guard let name = key.scalar?.string else { throw ExperimentError("\(path): a key that is not a string") }
                out[name] = try jsonValue(value, path: "\(path).\(name)")
            }
            return out
        }
        if let sequence = node.sequence { return try sequence.enumerated().map { try jsonValue($1, path: "\(path)[\($0)]") } }
        if node.null != nil { return NSNull() }
        if let value = node.bool { return value }
        if let value = node.int { return value }
        if let value = node.float {
            guard value.isFinite else { throw ExperimentError("\(path): \(value) is not a finite number") }
            return value
        }
        return node.string ?? ""
    }

    /// The recipe's warnings (`TrainConfig.warnings`), but those about a field a parameter
    /// varies: then each run's config decides, and the recipe alone says nothing true. And early
    /// termination whose bands all come at or after a run's last epoch: it never stops a run.
    public var warnings: [String] {
        let varied = Set(sweep.configuration.parameters.map(\.name))
        var found = recipe.warnings(unlessVarying: varied)
        // Band b is judged once a run has logged b + 1 epochs; at the last epoch there is nothing left to stop.
        if let schedule = sweep.configuration.earlyTerminate, !varied.contains("epochs"), schedule.bands(below: recipe.epochs - 1).isEmpty {
            let first = schedule.bands(below: .max).first.map { "its first band is after epoch \($0 + 1)" } ?? "it has no band"
            found.append("early_terminate: \(first) and runs have \(recipe.epochs) epochs: no run is ever stopped early")
        }
        return found
    }

    /// The sweep recorded in a store.
    public init(_ record: SweepRecord) throws {
        try self.init(name: record.name, yaml: record.spec, seed: record.seed)
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

    /// The sweep metric of one epoch.
    func metric(_ m: EpochMetrics) -> Double {
        switch sweep.configuration.metric?.name ?? "test_loss" {
        case "test_top1": m.test.top1 * 100
        case "test_top5": m.test.top5 * 100
        case "train_loss": m.trainLoss
        case "train_acc": m.trainAccuracy * 100
        default: m.test.loss
        }
    }

    /// A run's result from its history: the best finite value for the metric's goal.
    func result(_ history: [Double]) -> Double? {
        let values = history.filter(\.isFinite)
        return sweep.configuration.metric?.goal == .maximize ? values.max() : values.min()
    }

    /// The next run's hyper-parameters given every run so far (running ones count as started, with
    /// no result yet), as storage-key text; nil when the sweep is over.
    func propose(_ runs: [SweepRunRecord]) throws -> String? {
        let history = try runs.map { SweepObservation(assignment: try SweepAssignment(storageKey: $0.assignment), metric: $0.metric) }
        return sweep.nextRun(history: history)?.storageKey
    }

    /// The reproducibility report's sweep: Bayesian search minimising test loss over activation x
    /// optimizer x batch size. Full: ResNet-18 on CIFAR-10, 50 epochs a run, 20 runs. Quick:
    /// ResNet-20 on the study's quick subset (10,000 training and 2,000 test images), 10 epochs a
    /// run, 12 runs, Hyperband's rungs at epochs 3 and 9.
    public static func studySweep(scale: ExperimentPresets.Scale) -> String {
        let (cap, recipe) = switch scale {
        case .full: (20, "{model: resnet18, data: ../shared/datasets/cifar10-jpeg.tar.gz, epochs: 50, schedule: cosine}")
        case .quick: (12, "{model: resnet20, data: ../shared/datasets/cifar10-jpeg.tar.gz, epochs: 10, schedule: cosine, train_limit: 10000, test_limit: 2000}")
        }
        return """
            method: bayes
            metric: {name: test_loss, goal: minimize}
            run_cap: \(cap)
            parameters:
              act: {values: [relu, mish, swish, frelu, dyrelu_a, dyrelu_b]}
              optimizer: {values: [adam, sgd]}
              batch_size: {values: [64, 128, 256]}
            early_terminate: {type: hyperband, min_iter: 3, eta: 3}
            recipe: \(recipe)
            """
    }
}
