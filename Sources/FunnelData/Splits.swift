/// A dataset's training and test images.
public struct Splits: Sendable, Equatable {
    /// The images to train on (and to compute normalisation statistics from).
    public var train: ImageDataset
    /// The held-out images to evaluate on.
    public var test: ImageDataset

    /// Both splits.
    public init(train: ImageDataset, test: ImageDataset) {
        self.train = train
        self.test = test
    }
}
