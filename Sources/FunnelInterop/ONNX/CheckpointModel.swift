import Foundation
import FunnelModels
import FunnelNN
import FunnelTrain

/// A model restored from a training checkpoint without its data set, as export needs it: the
/// class count comes from the checkpoint's input record or, in checkpoints older than that
/// record, from its classifier's weight.
public struct CheckpointModel {
    public let checkpoint: TrainingCheckpoint
    /// In inference mode.
    public let model: Module
    /// `[C, H, W]` the model was trained on.
    public let input: [Int]

    public init(checkpoint url: URL) throws {
        checkpoint = try TrainingCheckpoint(contentsOf: url)
        let config = checkpoint.config
        let entry = try Models.entry(config.model)
        var classes = checkpoint.input?.classes.count ?? entry.defaultClasses
        if checkpoint.input == nil {
            // Every registered model ends in its classifier, the last Linear: its rows are the classes.
            let probe = try Trainer.makeModel(config, classes: classes)
            guard let (path, _) = probe.namedModules.last(where: { $0.1 is Linear }),
                  let weight = checkpoint.file.entries["\(path).weight"], weight.shape.count == 2 else {
                throw ONNXExportError.badCheckpoint(file: url.path, problem: "no classifier weight to count the classes by (and no \(ModelInput.metadataKey) record)")
            }
            classes = weight.shape[0]
        }
        model = try checkpoint.restoredModel(classes: classes)
        input = [entry.input[0]] + (checkpoint.input.map { [$0.height, $0.width] } ?? Array(entry.input.dropFirst()))
    }
}
