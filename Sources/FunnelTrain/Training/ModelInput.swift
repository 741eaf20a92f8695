import FunnelData

/// What a trained model takes and tells apart, kept in its checkpoint (metadata `funnel.input`) so
/// that it can classify new images without its training data: the image size, the training
/// split's normalisation and the class names.
public struct ModelInput: Codable, Equatable, Sendable {
    public var height: Int
    public var width: Int
    public var normalization: Normalization
    /// Class names, indexed by the model's output.
    public var classes: [String]

    public init(height: Int, width: Int, normalization: Normalization, classes: [String]) {
        self.height = height
        self.width = width
        self.normalization = normalization
        self.classes = classes
    }

    /// The input of a model trained on `dataset` with `normalization`.
    public init(trainingSplit dataset: ImageDataset, normalization: Normalization) {
        self.init(height: dataset.height, width: dataset.width, normalization: normalization, classes: dataset.classes)
    }

    /// The checkpoint metadata key.
    public static let metadataKey = "funnel.input"
}
