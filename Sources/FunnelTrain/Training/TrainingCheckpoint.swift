import Foundation
import FunnelNN

/// A resumable training checkpoint in one safetensors file: the model under PyTorch's names,
/// the optimizer state under `optimizer.*`, and epoch, config and random state in the metadata.
/// PyTorch loads the model with `{k: v for k, v in load_file(f).items() if not k.startswith("optimizer.")}`.
public struct TrainingCheckpoint {
    /// Epochs completed.
    public var epoch: Int
    public var config: TrainConfig
    public var randomState: RandomGenerator
    public var file: SafetensorsFile

    /// Captures the current state.
    public init(epoch: Int, config: TrainConfig, model: Module, optimizer: Optimizer) throws {
        self.epoch = epoch
        self.config = config
        randomState = DefaultRandom.state
        var entries = ModelState.entries(of: model)
        for (name, t) in optimizer.state() { entries["optimizer.\(name)"] = SafetensorsEntry(t) }
        let metadata = ["format": "pt", "funnel.epoch": "\(epoch)", "funnel.config": try RunSpec.json(config),
                        "funnel.random_state": "\(randomState.state)"]
        file = SafetensorsFile(entries: entries, metadata: metadata)
    }

    /// Reads a checkpoint written by `save(to:)`.
    public init(contentsOf url: URL) throws {
        file = try SafetensorsFile(contentsOf: url)
        guard let e = file.metadata["funnel.epoch"], let epoch = Int(e),
              let c = file.metadata["funnel.config"], let r = file.metadata["funnel.random_state"], let rs = UInt64(r) else {
            throw TrainError.checkpointMismatch("\(url.path) has no Funnel training metadata (funnel.epoch, funnel.config, funnel.random_state)")
        }
        self.epoch = epoch
        config = try JSONDecoder().decode(TrainConfig.self, from: Data(c.utf8))
        randomState = RandomGenerator(seed: rs)
    }

    /// Writes atomically: a reader (or a crash) never sees half a file.
    public func save(to url: URL) throws { try file.write(to: url) }

    /// Restores model, optimizer and the default random generator.
    public func restore(model: Module, optimizer: Optimizer) throws {
        try ModelState.load(file, into: model)
        var state: [String: Tensor] = [:]
        for (name, _) in file.entries where name.hasPrefix("optimizer.") {
            state[String(name.dropFirst("optimizer.".count))] = try file.tensor(name)
        }
        try optimizer.load(state: state)
        DefaultRandom.state = randomState
    }
}
