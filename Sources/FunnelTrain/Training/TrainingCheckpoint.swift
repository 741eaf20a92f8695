import Foundation
import FunnelNN

/// A resumable training checkpoint in one safetensors file: the model under PyTorch's names,
/// the optimizer state under `optimizer.*`, and epoch, config and random state in the metadata.
/// A checkpoint written mid-epoch (a worker told to stop) also records the steps done in the
/// epoch under way and the running sums of its metrics, so the resumed epoch ends as it would have.
/// PyTorch loads the model with `{k: v for k, v in load_file(f).items() if not k.startswith("optimizer.")}`.
public struct TrainingCheckpoint {
    /// Epochs completed.
    public var epoch: Int
    /// Steps of epoch `epoch + 1` already trained (0 at an epoch's end).
    public var step: Int
    /// The running sums of that partial epoch.
    public var partial: PartialEpoch
    public var config: TrainConfig
    public var randomState: RandomGenerator
    /// The image size, normalisation and class names (nil in checkpoints from before they were kept).
    public var input: ModelInput?
    public var file: SafetensorsFile

    /// Captures the current state.
    public init(epoch: Int, step: Int = 0, partial: PartialEpoch = PartialEpoch(), config: TrainConfig, input: ModelInput? = nil,
                model: Module, optimizer: Optimizer) throws {
        self.epoch = epoch
        self.step = step
        self.partial = partial
        self.config = config
        self.input = input
        randomState = DefaultRandom.state
        var entries = ModelState.entries(of: model)
        for (name, t) in optimizer.state() { entries["optimizer.\(name)"] = SafetensorsEntry(t) }
        var metadata = ["format": "pt", "funnel.epoch": "\(epoch)", "funnel.config": try RunSpec.json(config),
                        "funnel.random_state": "\(randomState.state)"]
        if let input { metadata[ModelInput.metadataKey] = try RunSpec.json(input) }
        // Which Funnel wrote it, for a checkpoint that travels without its run record.
        if let commit = FunnelBuild.sourceCommit { metadata[FunnelBuild.checkpointKey] = commit }
        if step > 0 {
            metadata["funnel.step"] = "\(step)"
            metadata["funnel.partial"] = try RunSpec.json(partial)
        }
        file = SafetensorsFile(entries: entries, metadata: metadata).withDataChecksum()
    }

    /// Reads a checkpoint written by `save(to:)`.
    public init(contentsOf url: URL) throws {
        file = try SafetensorsFile(contentsOf: url)
        guard let e = file.metadata["funnel.epoch"], let epoch = Int(e),
              let c = file.metadata["funnel.config"], let r = file.metadata["funnel.random_state"], let rs = UInt64(r) else {
            throw TrainError.checkpointMismatch("\(url.path) has no Funnel training metadata (funnel.epoch, funnel.config, funnel.random_state)")
        }
        self.epoch = epoch
        step = 0
        partial = PartialEpoch()
        if let s = file.metadata["funnel.step"] {
            guard let step = Int(s), step > 0, let p = file.metadata["funnel.partial"],
                  let partial = try? JSONDecoder().decode(PartialEpoch.self, from: Data(p.utf8)) else {
                throw TrainError.checkpointMismatch("\(url.path): metadata funnel.step '\(s)' needs a positive step and a funnel.partial record")
            }
            self.step = step
            self.partial = partial
        }
        do { config = try JSONDecoder().decode(TrainConfig.self, from: Data(c.utf8)) } catch {
            throw TrainError.checkpointMismatch("\(url.path): metadata funnel.config is not a training config: \(error)")
        }
        do { try config.checkPlacement() } catch {
            throw TrainError.checkpointMismatch("\(url.path): metadata funnel.config: \(error) (written by a Funnel that took this placement and built ReLU there)")
        }
        randomState = RandomGenerator(seed: rs)
        if let text = file.metadata[ModelInput.metadataKey] {
            do { input = try JSONDecoder().decode(ModelInput.self, from: Data(text.utf8)) } catch {
                throw TrainError.checkpointMismatch("\(url.path): metadata \(ModelInput.metadataKey) is not a model input record: \(error)")
            }
        }
    }

    /// The checkpoint's model built for `classes` outputs, with its weights, in inference mode.
    public func restoredModel(classes: Int) throws -> Module {
        let model = try Trainer.makeModel(config, classes: classes)
        try ModelState.load(file, into: model)
        model.setMode(.inference)
        return model
    }

    /// Writes atomically: a reader (or a crash) never sees half a file.
    public func save(to url: URL) throws { try file.write(to: url) }

    /// Restores model, optimizer and the default random generator.
    public func restore(model: Module, optimizer: Optimizer) throws {
        try ModelState.load(file, into: model)
        var state: [String: Tensor] = [:]
        for (name, _) in file.entries where name.hasPrefix("optimizer.") {
            let tensor = try file.tensor(name)
            try ModelState.requireFinite(tensor, name: name, file: file.source)
            state[String(name.dropFirst("optimizer.".count))] = tensor
        }
        try optimizer.load(state: state)
        DefaultRandom.state = randomState
    }
}

/// The running sums of an epoch stopped part-way, so that its metrics come out the same when it is resumed.
public struct PartialEpoch: Codable, Equatable, Sendable {
    /// Sum of per-image training losses so far.
    public var lossSum: Double = 0
    /// Correctly classified training images so far.
    public var correct: Int = 0
    /// Training images seen so far.
    public var seen: Int = 0
    /// Wall-clock seconds spent on the epoch so far.
    public var seconds: Double = 0
    /// Segmentation: labelled training pixels so far (`correct` then counts pixels); nil for classification.
    public var labelledPixels: Int?

    public init(lossSum: Double = 0, correct: Int = 0, seen: Int = 0, seconds: Double = 0, labelledPixels: Int? = nil) {
        self.lossSum = lossSum
        self.correct = correct
        self.seen = seen
        self.seconds = seconds
        self.labelledPixels = labelledPixels
    }
}
