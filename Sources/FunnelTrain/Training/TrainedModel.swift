import Foundation
import FunnelData
import FunnelNN

/// A model restored from a training checkpoint, with the data it was trained on (or another data
/// set) and that training split's normalisation: what evaluation and attacks start from.
public struct TrainedModel {
    public let config: TrainConfig
    /// Epochs trained (nil for a plain state dict, which does not say).
    public let epoch: Int?
    public let splits: Splits
    public let model: Module
    public let normalization: Normalization

    /// A model from a Funnel training checkpoint, normalised as in its training (the statistics
    /// kept in the checkpoint, or for older checkpoints those of the training split).
    /// - Parameter data: a dataset spec replacing the checkpoint's.
    /// - Parameter wholeTestSplit: evaluate on the whole test split, not the checkpoint's `test_limit`.
    /// - Parameter scoresLabels: whether the caller scores the outputs against the data's labels
    ///   (evaluation, attacks): then the data must have the classes the checkpoint records, in its
    ///   order. False where only the images are used (the report's pictures of inside a layer).
    /// - Parameter loadData: how the splits are loaded (a caller restoring several models of one
    ///   data set can share one load).
    /// - Throws: `TrainError.classesMismatch` when `scoresLabels` and the classes differ.
    public init(checkpoint url: URL, data: String? = nil, wholeTestSplit: Bool = false, scoresLabels: Bool = true,
                loadData: (TrainConfig) throws -> Splits = { try Trainer.loadData($0) }) throws {
        let checkpoint = try TrainingCheckpoint(contentsOf: url)
        var c = checkpoint.config
        if let data { c.data = data }
        if wholeTestSplit { c.testLimit = nil }
        config = c
        epoch = checkpoint.epoch
        splits = try loadData(c)
        // Ten classes of another data set fit the model's ten outputs, and would be scored as if they were its own.
        if scoresLabels, let trained = checkpoint.input?.classes, trained != splits.test.classes {
            throw TrainError.classesMismatch(checkpoint: url.path, data: c.data, trained: trained, found: splits.test.classes)
        }
        model = try Trainer.makeModel(c, classes: splits.train.classes.count)
        try ModelState.load(checkpoint.file, into: model)
        normalization = checkpoint.input?.normalization ?? Normalization(fitting: splits.train)
    }

    /// A model from a plain state dict under PyTorch's names (`save_file(model.state_dict(), …)`
    /// in PyTorch), built as `model` with `act`.
    /// - Parameter normalization: the statistics the model was trained with; nil fits them to the
    ///   training split of `data`.
    public init(stateDict url: URL, model name: String, act: String, data: String, normalization: Normalization? = nil,
                loadData: (TrainConfig) throws -> Splits = { try Trainer.loadData($0) }) throws {
        let file = try SafetensorsFile(contentsOf: url)
        var c = TrainConfig()
        c.model = name
        c.act = act
        c.data = data
        try c.validate()
        config = c
        epoch = nil
        splits = try loadData(c)
        model = try Trainer.makeModel(c, classes: splits.train.classes.count)
        try ModelState.load(file, into: model)
        self.normalization = normalization ?? Normalization(fitting: splits.train)
    }

    /// A loader over the test split, in order, without augmentation.
    public func testLoader(batchSize: Int = 500) -> DataLoader {
        DataLoader(splits.test, normalization: normalization, options: .init(batchSize: batchSize, mode: .evaluation))
    }
}
