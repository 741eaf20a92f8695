import Foundation
import FunnelData
import FunnelModels
import FunnelNN

/// Everything a training run needs. The CLI (`funnel train`) and experiment files fill the same
/// type, so a YAML cell and a command line mean the same thing. Defaults are the reproducibility
/// study's recipe: SGD momentum 0.9, lr 0.1, weight decay 5e-4, batch 128, 200 epochs, lr x0.1 at
/// epochs 100 and 150, random crop (pad 4) + flip.
public struct TrainConfig: Codable, Sendable, Equatable {
    public var model = "resnet18"
    public var act = "relu"
    /// `synthetic`, a dataset directory, or an archive (see `DatasetLoader`).
    public var data = "synthetic"
    public var epochs = 200
    public var batchSize = 128
    public var optimizer = Optimizer.sgd
    public var lr: Float = 0.1
    public var momentum: Float = 0.9
    public var nesterov = false
    public var weightDecay: Float = 5e-4
    public var schedule = Schedule.multistep
    /// Epochs at which multistep multiplies the rate by `gamma`.
    public var milestones = [100, 150]
    public var gamma: Float = 0.1
    /// Linear warm-up epochs before the schedule.
    public var warmupEpochs = 0
    public var labelSmoothing: Float = 0
    public var seed: UInt64 = 0
    /// Keep only this many training images (a seeded, class-stratified subset).
    public var trainLimit: Int?
    public var testLimit: Int?
    public var augment = true
    public var cutout = 0
    /// Train on CIFAR-100's 20 coarse labels instead of the 100 fine ones.
    public var coarseLabels = false
    /// Stages that use `act` (others keep ReLU); nil is all.
    public var stages: [Int]?
    /// Bottleneck slots of the placement ablation.
    public var slots = Placement.Slots.all
    public var squeezeExcitation = false
    /// Clip the global gradient norm to this value.
    public var gradClip: Float?
    /// Generated dataset size (train/test) when `data` is `synthetic` or `scenes:...`.
    public var syntheticTrain = 5000
    public var syntheticTest = 1000
    /// Classify images, or segment them (`data` then needs masks: `scenes:ARCHIVE` or a mask
    /// folder; `model` names the backbone of a `Segmenter`, or `pixel_mlp`).
    public var task = ModelTask.classify
    /// Segmentation: a dilated last backbone stage (stride 1) instead of a stride of 2.
    public var dilated = false

    public init() {}

    /// The optimizer of a run.
    public enum Optimizer: String, Codable, CaseIterable, Sendable {
        case sgd, adam, adamw
    }

    /// How the learning rate changes over the run.
    public enum Schedule: String, Codable, CaseIterable, Sendable {
        /// x`gamma` at each of `milestones`.
        case multistep
        case cosine
        case constant
    }

    /// The study's recipe with a model, activation and dataset.
    public static func study(model: String, act: String, data: String) -> TrainConfig {
        var c = TrainConfig()
        c.model = model; c.act = act; c.data = data
        return c
    }

    /// Checks values before any work starts; the error names the field and what was expected.
    public func validate() throws {
        func fail(_ field: String, _ expected: String, _ found: Any) throws -> Never {
            throw TrainError.invalidConfig(field: field, expected: expected, found: "\(found)")
        }
        // Names resolve before any data is loaded or anything is queued.
        guard let entry = try? Models.entry(model) else { try fail("model", "one of " + Models.all.map(\.name).joined(separator: ", "), model) }
        if !entry.tasks.contains(task) {
            try fail("model", "a model that can \(task.rawValue) (task \(task.rawValue)): " + Models.names(for: task).joined(separator: ", "), model)
        }
        if dilated && task != .segment { try fail("dilated", "false for task \(task.rawValue) (a dilated backbone is for task segment)", dilated) }
        do { _ = try Activations.factory(act) } catch { throw TrainError.invalidConfig(field: "act", expected: "an activation spec (see `funnel acts`)", found: "\(act): \(error)") }
        // A placement naming what the model lacks would train ReLU there under the activation's name.
        do { try checkPlacement(against: entry) } catch let e as PlacementError { try fail(e.field, e.expected, e.found) }
        if !entry.activationSlots.takesActivation, (try? ActivationSpec(parsing: act)) != ActivationSpec(name: "relu") {
            try fail("act", "relu (\(entry.name) keeps ReLU whatever the activation, so a run under another name would be a ReLU run)", act)
        }
        if epochs < 1 { try fail("epochs", "at least 1", epochs) }
        if data == "synthetic" || data.lowercased().hasPrefix(DatasetLoader.scenesPrefix) {
            if syntheticTrain < batchSize { try fail("synthetic_train", "at least the batch size \(batchSize) (an epoch needs a batch)", syntheticTrain) }
            if syntheticTest < 1 { try fail("synthetic_test", "at least 1", syntheticTest) }
        }
        if let l = testLimit, l < 1 { try fail("test_limit", "at least 1", l) }
        if batchSize < 2 { try fail("batch_size", "at least 2 (batch norm needs two samples)", batchSize) }
        if !(lr > 0 && lr.isFinite) { try fail("lr", "a positive number", lr) }
        // Values the optimizer and schedule would take without complaint and train on wrongly:
        // momentum 1 or more grows the step without bound, a negative decay or clip norm turns the
        // update around, a warm-up as long as the run never reaches the rate.
        if !(0..<1).contains(momentum) { try fail("momentum", "a number in [0, 1)", momentum) }
        if !(weightDecay >= 0 && weightDecay.isFinite) { try fail("weight_decay", "a number of at least 0", weightDecay) }
        if !(gamma > 0 && gamma.isFinite) { try fail("gamma", "a positive number", gamma) }
        if let clip = gradClip, !(clip > 0 && clip.isFinite) { try fail("grad_clip", "a positive number", clip) }
        if !(0..<epochs).contains(warmupEpochs) { try fail("warmup_epochs", "a number in [0, \(epochs)) (fewer than the epochs)", warmupEpochs) }
        if cutout < 0 { try fail("cutout", "at least 0 (0: off)", cutout) }
        if let m = milestones.first(where: { $0 < 1 }) { try fail("milestones", "epochs of at least 1", m) }
        if !(0..<1).contains(labelSmoothing) { try fail("label_smoothing", "a number in [0, 1)", labelSmoothing) }
        if let l = trainLimit, l < batchSize { try fail("train_limit", "at least the batch size \(batchSize)", l) }
    }

    /// Refuses a placement naming stages, slots or SE the model lacks (nothing to check for an
    /// unknown model). Funnel took such a placement until 2026-12-05 and built ReLU there, so a
    /// stored run or checkpoint with one does not have the network its config describes.
    /// - Throws: `PlacementError` naming the field.
    public func checkPlacement() throws {
        guard let entry = try? Models.entry(model) else { return }
        try checkPlacement(against: entry)
    }

    private func checkPlacement(against entry: ModelEntry) throws {
        try entry.activationSlots.check(placement, model: entry.name)
    }

    /// Where the model takes `act`: `stages`, `slots` and `se` together.
    public var placement: Placement {
        Placement(stages: stages.map(Set.init), slots: slots, squeezeExcitation: squeezeExcitation)
    }

    /// A setting that is valid but probably not meant, in words, with the fields it is about.
    struct Warning {
        /// The fields (as written in files) whose values make the warning.
        let fields: Set<String>
        let text: String
    }

    /// Settings that are valid but probably not meant, for the commands to print before training:
    /// multistep milestones at or past the last epoch never lower the rate (the study's 100 and
    /// 150 in a 30-epoch run leave it at `lr` throughout); milestones or gamma set for another
    /// schedule, and momentum or Nesterov set for Adam, are ignored by what trains.
    public var warnings: [String] { configWarnings.map(\.text) }

    /// The warnings about none of `fields`: a sweep or grid that varies a field leaves what it
    /// implies to each run's config, and the recipe alone says nothing true about it.
    public func warnings(unlessVarying fields: Set<String>) -> [String] {
        configWarnings.filter { $0.fields.isDisjoint(with: fields) }.map(\.text)
    }

    var configWarnings: [Warning] {
        var found: [Warning] = []
        let defaults = TrainConfig()
        let late = milestones.filter { $0 >= epochs }
        if schedule == .multistep, !late.isEmpty {
            let list = late.map(String.init).joined(separator: ", ")
            found.append(Warning(fields: ["epochs", "milestones", "schedule"], text:
                "multistep milestone\(late.count == 1 ? "" : "s") \(list) at or past the last epoch (\(epochs)) never lower\(late.count == 1 ? "s" : "") the rate"
                + (late.count == milestones.count ? "; it stays \(lr) throughout (set milestones, or schedule cosine or constant)" : "")))
        }
        let repeated = Set(milestones.filter { m in milestones.filter { $0 == m }.count > 1 }).sorted()
        if schedule == .multistep, !repeated.isEmpty {
            // As PyTorch's MultiStepLR, which counts them: deliberate there, more often a typo.
            found.append(Warning(fields: ["milestones", "schedule"], text:
                "multistep milestone\(repeated.count == 1 ? "" : "s") \(repeated.map(String.init).joined(separator: ", ")) listed more than once: "
                + "the rate drops by gamma \(gamma) once for each listing there (as PyTorch's MultiStepLR)"))
        }
        let scheduleSettings = [milestones != defaults.milestones ? "milestones \(milestones.map(String.init).joined(separator: ", "))" : nil,
                                gamma != defaults.gamma ? "gamma \(gamma)" : nil].compactMap { $0 }
        if schedule != .multistep, !scheduleSettings.isEmpty {
            found.append(Warning(fields: ["schedule", "milestones", "gamma"], text:
                "schedule \(schedule.rawValue) ignores \(scheduleSettings.joined(separator: " and ")) (multistep only)"))
        }
        let sgdSettings = [momentum != defaults.momentum ? "momentum \(momentum)" : nil, nesterov ? "nesterov" : nil].compactMap { $0 }
        if optimizer != .sgd, !sgdSettings.isEmpty {
            found.append(Warning(fields: ["optimizer", "momentum", "nesterov"], text:
                "optimizer \(optimizer.rawValue) ignores \(sgdSettings.joined(separator: " and ")) (sgd only; Adam's betas are 0.9 and 0.999)"))
        }
        return found
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, act, data, epochs, batchSize = "batch_size", optimizer, lr, momentum, nesterov
        case weightDecay = "weight_decay", schedule, milestones, gamma, warmupEpochs = "warmup_epochs"
        case labelSmoothing = "label_smoothing", seed, trainLimit = "train_limit", testLimit = "test_limit"
        case augment, cutout, coarseLabels = "coarse_labels", stages, slots, squeezeExcitation = "se"
        case gradClip = "grad_clip", syntheticTrain = "synthetic_train", syntheticTest = "synthetic_test"
        case task, dilated
    }

    /// Decodes with every field optional: missing fields keep the defaults above. A key that is
    /// not a field is an error (`UnknownKeyError`), and so is an option outside its choices.
    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var d = TrainConfig()
        func take<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws { if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v } }
        func take<T: RawRepresentable & CaseIterable>(_ key: CodingKeys, _ value: inout T) throws where T.RawValue == String {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return }
            guard let v = T(rawValue: text) else {
                throw TrainError.invalidConfig(field: key.stringValue, expected: "one of " + T.allCases.map(\.rawValue).joined(separator: ", "), found: text)
            }
            value = v
        }
        func takeOptional<T: Decodable>(_ key: CodingKeys, _ value: inout T?) throws { if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v } }
        try take(.model, &d.model); try take(.act, &d.act); try take(.data, &d.data); try take(.epochs, &d.epochs)
        try take(.batchSize, &d.batchSize); try take(.optimizer, &d.optimizer); try take(.lr, &d.lr); try take(.momentum, &d.momentum)
        try take(.nesterov, &d.nesterov); try take(.weightDecay, &d.weightDecay); try take(.schedule, &d.schedule)
        try take(.milestones, &d.milestones); try take(.gamma, &d.gamma); try take(.warmupEpochs, &d.warmupEpochs)
        try take(.labelSmoothing, &d.labelSmoothing); try take(.seed, &d.seed); try takeOptional(.trainLimit, &d.trainLimit)
        try takeOptional(.testLimit, &d.testLimit); try take(.augment, &d.augment); try take(.cutout, &d.cutout)
        try take(.coarseLabels, &d.coarseLabels); try takeOptional(.stages, &d.stages); try take(.slots, &d.slots)
        try take(.squeezeExcitation, &d.squeezeExcitation); try takeOptional(.gradClip, &d.gradClip)
        try take(.syntheticTrain, &d.syntheticTrain); try take(.syntheticTest, &d.syntheticTest)
        try take(.task, &d.task); try take(.dilated, &d.dilated)
        self = d
    }
}

/// Why training stopped or could not start.
public enum TrainError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(field: String, expected: String, found: String)
    case nonFiniteLoss(epoch: Int, step: Int, loss: Float, checkpoint: String?)
    /// A checkpoint that cannot be read, restored or resumed as asked (the text names the file).
    case checkpointMismatch(String)
    /// A model's output went NaN or infinite (`index`: the first such element).
    case nonFiniteOutput(what: String, value: Float, index: Int)
    /// A checkpoint scored on data whose classes are not the ones it was trained on.
    case classesMismatch(checkpoint: String, data: String, trained: [String], found: [String])
    /// Another process is training the run of this name in this folder (`holder`: its worker id).
    case runBusy(name: String, folder: String, holder: String)
    /// A new run would overwrite the checkpoint an earlier run of this name left in its folder.
    case runExists(name: String, checkpoint: String)
    /// The run's folder cannot be held (its lock file cannot be opened).
    case runFolderUnusable(path: String, reason: String)
    /// `--resume` names a run that was never started here (`suggestion`: a started run whose name
    /// is close to it).
    case nothingToResume(name: String, directory: String?, suggestion: String?)
    /// A signal stopped training (`when`: "after epoch 3", "in epoch 1"); its checkpoint is written.
    case stopped(signal: String, when: String)

    public var description: String {
        switch self {
        case let .stopped(signal, when):
            return "stopped by \(signal) \(when) (checkpoint written, run marked interrupted); continue it with the same command and --resume"
        case let .invalidConfig(field, expected, found):
            return "invalid training config: \(field) = \(found); expected \(expected)"
        case let .nonFiniteLoss(epoch, step, loss, checkpoint):
            return "loss became \(loss) at epoch \(epoch), step \(step); training stopped. "
                + (checkpoint.map { "The last good checkpoint is \($0)." } ?? "No checkpoint was written yet.")
                + " Try a lower learning rate or gradient clipping (--grad-clip)."
        case let .checkpointMismatch(why):
            return "unusable checkpoint: \(why)"
        case let .nonFiniteOutput(what, value, index):
            return "\(what) went non-finite (\(value) at element \(index)): the model's weights or inputs are broken; no result is given"
        case let .classesMismatch(checkpoint, data, trained, found):
            let difference = trained.count != found.count
                ? "\(trained.count) classes there, \(found.count) here"
                : zip(trained, found).enumerated().first { $0.element.0 != $0.element.1 }
                    .map { "class \($0.offset) is '\($0.element.0)' there and '\($0.element.1)' here" } ?? ""
            return "\(data) does not hold the classes \(checkpoint) was trained on (\(difference)): "
                + "scores against its labels would count the model's classes as others; give data with the same classes"
        case let .runBusy(name, folder, holder):
            return "run '\(name)' is being trained in \(folder) by \(holder) (host:boot:pid); two processes would write one checkpoint. "
                + "Wait for it, or stop it (SIGTERM or Ctrl-C checkpoint it) and continue it with --resume"
        case let .runExists(name, checkpoint):
            return "run '\(name)' already has a checkpoint, \(checkpoint), which a new run would overwrite: "
                + "continue that run with --resume (a finished one is only re-read), or train under another --name"
        case let .runFolderUnusable(path, reason):
            return "cannot hold the run's folder: \(path): \(reason)"
        case let .nothingToResume(name, directory, suggestion):
            let place = directory.map { "no folder \(URL(fileURLWithPath: $0).appendingPathComponent(name).path) and " } ?? ""
            return "nothing to resume: run '\(name)' was never started here (\(place)no run of that name in the store)"
                + (suggestion.map { "; did you mean '\($0)'?" } ?? ".") + " Leave out --resume to start it"
        }
    }
}
