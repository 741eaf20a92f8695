import Foundation
import FunnelData
import FunnelNN

/// A model restored from a training checkpoint, with the data it was trained on (or another data
/// set) and that training split's normalisation: what evaluation and attacks start from.
public struct TrainedModel {
    public let checkpoint: TrainingCheckpoint
    public let config: TrainConfig
    public let splits: Splits
    public let model: Module
    public let normalization: Normalization

    /// - Parameter data: a dataset spec replacing the checkpoint's.
    /// - Parameter loadData: how the splits are loaded (a caller restoring several models of one
    ///   data set can share one load).
    public init(checkpoint url: URL, data: String? = nil, loadData: (TrainConfig) throws -> Splits = { try Trainer.loadData($0) }) throws {
        checkpoint = try TrainingCheckpoint(contentsOf: url)
        var c = checkpoint.config
        if let data { c.data = data }
        config = c
        splits = try loadData(c)
        model = try Trainer.makeModel(c, classes: splits.train.classes.count)
        try ModelState.load(checkpoint.file, into: model)
        normalization = Normalization(fitting: splits.train)
    }

    /// A loader over the test split, in order, without augmentation.
    public func testLoader(batchSize: Int = 500) -> DataLoader {
        DataLoader(splits.test, normalization: normalization, options: .init(batchSize: batchSize, mode: .evaluation))
    }
}
