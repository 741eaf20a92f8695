import Foundation
import FunnelNN
import FunnelTensor
import FunnelTrain

/// The trainable parameters of a model's FReLU and DY-ReLU layers (the funnel condition's
/// depthwise kernels and norms, DY-ReLU's hyper-function), whose distributions over the epochs
/// show what those activations learn. Other activations have nothing of the kind to show.
public struct ActivationParameters: Sendable {
    /// Their PyTorch names, in model order; empty when the model has no FReLU or DY-ReLU.
    public let names: [String]

    /// The names for `config`'s model. Layers are built under a generator of their own, so that
    /// the random stream of a run in progress is left as it was.
    public init(config: TrainConfig) throws {
        names = try DefaultRandom.seeded(0) {
            let factory = try Activations.factory(config.act)
            guard Self.isLearnedActivation(factory(channels: 8)) else { return [] }
            // The class count changes only the classifier, which holds no activation.
            let model = try Trainer.makeModel(config, classes: 10)
            return model.namedModules.filter { Self.isLearnedActivation($0.1) }.flatMap { path, module in
                module.namedParameters.map { path.isEmpty ? $0.0 : "\(path).\($0.0)" }
            }
        }
    }

    private static func isLearnedActivation(_ module: Module) -> Bool { module is FReLU || module is DyReLU }

    /// Their values in the checkpoint at `url`.
    public func values(in url: URL) throws -> [(name: String, values: [Float])] {
        let file = try SafetensorsFile(contentsOf: url)
        return try names.map { ($0, try file.tensor($0).scalars) }
    }

    /// The checkpoint written last in a run's folder: `checkpoint.safetensors`, or a worker's
    /// `checkpoint-claim<N>.safetensors`.
    public static func latestCheckpoint(in runFolder: URL) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runFolder.path)) ?? []
        let candidates = names.filter { $0.hasPrefix("checkpoint") && $0.hasSuffix(".safetensors") }.map { runFolder.appendingPathComponent($0) }
        func modified(_ url: URL) -> Date { (try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast }
        return candidates.max { modified($0) < modified($1) }
    }
}
