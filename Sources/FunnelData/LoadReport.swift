/// The dataset layouts `DatasetLoader` reads.
public enum DatasetFormat: String, Sendable, Codable, CaseIterable {
    /// The built-in generated dataset (`SyntheticDataset`).
    case synthetic
    /// `cifar-10-batches-bin/`: CIFAR-10's official binary batches.
    case cifar10Binary = "CIFAR-10 binary"
    /// `cifar-100-binary/`: CIFAR-100's official binary files.
    case cifar100Binary = "CIFAR-100 binary"
    /// `train/` and `test/` folders with one folder of images per class.
    case imageFolder = "image folder"
    /// `train/` and `test/` folders of `images/` with same-named PNG `masks/` (segmentation).
    case maskFolder = "image folder with masks"
    /// Segmentation scenes generated from another dataset's images (`SceneDataset`).
    case scenes
}

/// How a dataset's source is stored.
public enum DatasetContainer: String, Sendable, Codable {
    /// A folder on disk.
    case directory = "folder"
    /// An uncompressed tar archive.
    case tar = "tar archive"
    /// A tar archive compressed with gzip (`.tar.gz`, `.tgz`).
    case tarGzip = "gzip-compressed tar archive"
    /// Made in memory (the synthetic dataset).
    case generated
}

/// What a load found and did, for logs and tests.
public struct LoadReport: Sendable, Equatable {
    /// The layout of the data.
    public var format: DatasetFormat
    /// How the source is stored.
    public var container: DatasetContainer
    /// What happened with the decode cache.
    public var cache: CacheStatus
}
