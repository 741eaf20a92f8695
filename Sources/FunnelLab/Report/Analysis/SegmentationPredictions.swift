import Foundation
import FunnelData
import FunnelTrain

/// What a trained segmentation model predicts on the first few test images of its data, beside the
/// true masks: the report's "Segmentation: predicted masks" section.
public struct SegmentationPredictions: Codable, Sendable {
    /// One test image with its true and predicted masks.
    public struct Image: Codable, Sendable, Hashable {
        /// The image's index in the test split.
        public let index: Int
        public let picture: ReportPicture
        /// The true class of each pixel, row by row (``SegmentationPredictions/unlabelled`` where none).
        public let truth: [UInt8]
        /// The model's class of each pixel, row by row.
        public let predicted: [UInt8]
        /// Share of the labelled pixels whose predicted class is the true one; nil when no pixel is labelled.
        public var pixelAccuracy: Double? {
            let labelled = zip(truth, predicted).filter { $0.0 != SegmentationPredictions.unlabelled }
            return labelled.isEmpty ? nil : Double(labelled.filter { $0.0 == $0.1 }.count) / Double(labelled.count)
        }

        init(_ sample: SegmentationSample) {
            index = sample.index
            picture = ReportPicture(sample.image)
            truth = sample.truth
            predicted = sample.predicted
        }

        // The masks are bytes in base64, as the picture's: a pretty-printed array of numbers
        // would take a line per pixel.
        private enum CodingKeys: String, CodingKey { case index, picture, truth, predicted }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            index = try c.decode(Int.self, forKey: .index)
            picture = try c.decode(ReportPicture.self, forKey: .picture)
            truth = [UInt8](try c.decode(Data.self, forKey: .truth))
            predicted = [UInt8](try c.decode(Data.self, forKey: .predicted))
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(picture, forKey: .picture)
            try c.encode(Data(truth), forKey: .truth)
            try c.encode(Data(predicted), forKey: .predicted)
        }
    }

    /// The mask value of an unlabelled pixel (PyTorch's `ignore_index`).
    public static let unlabelled = UInt8(ImageDataset.ignoreLabel)

    /// The run's activation spec.
    public let act: String
    /// Class names, indexed by mask value.
    public let classes: [String]
    /// The run's test mIoU (percent) of its last epoch that recorded one.
    public let testMeanIoU: Double?
    public let images: [Image]

    /// The first `count` test images of the checkpoint's own data with truth and prediction.
    /// - Parameter loadData: how the splits are loaded (the report shares one load between inspections).
    /// - Throws: `ReportError.badCheckpoint` for a classifier's checkpoint or data without masks,
    ///   and whatever restoring the checkpoint or loading its data throws.
    init(checkpoint: URL, act: String, testMeanIoU: Double?, count: Int,
         loadData: (TrainConfig) throws -> Splits) throws {
        let trained = try TrainedModel(checkpoint: checkpoint, loadData: loadData)
        guard trained.config.task == .segment else {
            throw ReportError.badCheckpoint("\(checkpoint.path) is a checkpoint of task \(trained.config.task.rawValue), not segment")
        }
        let samples = try SegmentationSample.predictions(of: trained, count: count)
        guard let first = samples.first else {
            throw ReportError.badCheckpoint("the test split of \(trained.config.data) has no images with masks")
        }
        self.act = act
        classes = first.classes
        self.testMeanIoU = testMeanIoU
        images = samples.map(Image.init)
    }
}
