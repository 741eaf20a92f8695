import Foundation
import FunnelData
import FunnelNN

/// A trained model ready to classify new images of any size: restored from a checkpoint with the
/// image size, normalisation and class names kept in it, in inference mode.
public struct Predictor {
    public let config: TrainConfig
    public let input: ModelInput
    public let model: Module

    /// One class and the model's probability for it.
    public struct Guess: Codable, Equatable, Sendable {
        public var label: Int
        public var name: String
        public var probability: Double
    }

    /// - Throws: `TrainError.checkpointMismatch` if the checkpoint keeps no `funnel.input` record
    ///   (written before Funnel kept one: train again, or evaluate it with `funnel eval`).
    public init(checkpoint url: URL) throws {
        let checkpoint = try TrainingCheckpoint(contentsOf: url)
        guard let input = checkpoint.input else {
            throw TrainError.checkpointMismatch("\(url.path) has no \(ModelInput.metadataKey) metadata (image size, normalisation, class names): "
                                                + "it was written by an older Funnel; train it again to classify images with it")
        }
        config = checkpoint.config
        self.input = input
        model = try checkpoint.restoredModel(classes: input.classes.count)
    }

    /// The `top` most probable classes of each image, most probable first. Each image is resized
    /// to cover the model's input and centre-cropped to it, then normalised as in training.
    /// - Throws: `TrainError.nonFiniteOutput` if a logit is NaN or infinite.
    public func classify(_ images: [RGBImage], top: Int = 5) throws -> [[Guess]] {
        guard !images.isEmpty else { return [] }
        let (h, w) = (input.height, input.width)
        var pixels: [UInt8] = []
        pixels.reserveCapacity(images.count * h * w * 3)
        for image in images { pixels += image.fitted(width: w, height: h).pixels }
        // Through the evaluation loader, so that layout and normalisation are training's own.
        let dataset = ImageDataset(name: "predict", classes: input.classes, height: h, width: w, pixels: pixels,
                                   labels: [Int](repeating: 0, count: images.count))
        let loader = DataLoader(dataset, normalization: input.normalization, options: .init(batchSize: images.count, mode: .evaluation))
        var guesses: [[Guess]] = []
        try withoutGrad {
            for batch in loader.batches(epoch: 0) {
                let logits = try Evaluation.requireFinite(model(batch.images), "logits of the images")
                let k = logits.shape[1]
                let values = logits.softmax(axis: 1).scalars.map(Double.init)
                for row in 0..<batch.labels.count {
                    let probabilities = Array(values[(row * k)..<((row + 1) * k)])
                    let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
                    guesses.append(order.prefix(top).map { Guess(label: $0, name: input.classes[$0], probability: probabilities[$0]) })
                }
            }
        }
        return guesses
    }
}
