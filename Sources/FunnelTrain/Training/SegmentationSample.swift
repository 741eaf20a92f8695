import Foundation
import FunnelData
import FunnelNN

/// One test image of a segmentation model with its true and predicted masks, for figures that put
/// predictions beside the truth.
public struct SegmentationSample: Sendable, Equatable {
    /// The image's index in the test split.
    public var index: Int
    /// The image as stored (before normalisation).
    public var image: RGBImage
    /// The true class of each pixel, row by row (`ImageDataset.ignoreLabel` where unlabelled).
    public var truth: [UInt8]
    /// The model's class of each pixel (the highest score), row by row.
    public var predicted: [UInt8]
    /// Class names, indexed by mask value.
    public var classes: [String]

    /// The first `count` images of the test split of the checkpoint's data (in order, so the same
    /// images for every checkpoint of one dataset) with their masks and the model's predictions.
    /// - Parameters:
    ///   - checkpoint: a segmentation checkpoint written by `funnel train --task segment`.
    ///   - data: a dataset spec replacing the checkpoint's (it must have masks).
    /// - Throws: `TrainError.invalidConfig` for a checkpoint of a classifier, and whatever loading
    ///   the checkpoint or its data throws.
    public static func predictions(checkpoint: URL, count: Int, data: String? = nil) throws -> [SegmentationSample] {
        let trained = try TrainedModel(checkpoint: checkpoint, data: data)
        guard trained.config.task == .segment else {
            throw TrainError.invalidConfig(field: "task", expected: "segment (a segmentation checkpoint)", found: "\(trained.config.task.rawValue) in \(checkpoint.path)")
        }
        return try predictions(of: trained, count: count)
    }

    /// The first `count` test images of `trained`'s data with truth and prediction.
    public static func predictions(of trained: TrainedModel, count: Int) throws -> [SegmentationSample] {
        let test = trained.splits.test
        let n = min(max(count, 0), test.count)
        guard n > 0, test.masks != nil else { return [] }
        let batch = trained.testLoader(batchSize: n).batch(0, epoch: 0)
        trained.model.setMode(.inference)
        let logits = try withoutGrad { try Evaluation.requireFinite(trained.model(batch.images), "logits of the sample images") }
        let predicted = logits.argmaxChannels().map { UInt8($0) }
        let area = test.height * test.width
        return (0..<n).map { i in
            SegmentationSample(index: i, image: RGBImage(width: test.width, height: test.height, pixels: Array(test.image(i))),
                               truth: Array(test.mask(i)!), predicted: Array(predicted[i * area ..< (i + 1) * area]), classes: test.classes)
        }
    }
}
