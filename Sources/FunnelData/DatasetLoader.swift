import Foundation

/// Loads a dataset from a spec: `synthetic`, a folder, a `.tar`/`.tar.gz` archive (working out
/// which layout it is from what is inside), or `scenes:SPEC`, segmentation scenes generated from
/// the images of another spec (`SceneDataset`).
public enum DatasetLoader {
    /// How to load.
    public struct Options: Sendable, Equatable {
        /// Where decoded images are cached (JPEG/PNG folders and archives; CIFAR binary folders
        /// are read directly, as decoding them is a copy).
        public var cache: CacheLocation
        /// Keep at most this many training images, sampled by `ImageDataset.stratifiedSample`.
        public var trainLimit: Int?
        /// Keep at most this many test images, sampled the same way.
        public var testLimit: Int?
        /// Seed of the limits' sampling.
        public var seed: UInt64
        /// Threads decoding images.
        public var threads: Int
        /// Training images of a generated dataset (`synthetic`, `scenes:`).
        public var syntheticTrainCount: Int
        /// Test images of a generated dataset (`synthetic`, `scenes:`).
        public var syntheticTestCount: Int
        /// Seed of a generated dataset (fixed by default, so every run sees the same images).
        public var syntheticSeed: UInt64

        /// Options; by default the cache sits beside the source and nothing is left out.
        public init(cache: CacheLocation = .automatic, trainLimit: Int? = nil, testLimit: Int? = nil, seed: UInt64 = 0,
                    threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                    syntheticTrainCount: Int = 5000, syntheticTestCount: Int = 1000, syntheticSeed: UInt64 = 0) {
            self.cache = cache
            self.trainLimit = trainLimit
            self.testLimit = testLimit
            self.seed = seed
            self.threads = max(1, threads)
            self.syntheticTrainCount = syntheticTrainCount
            self.syntheticTestCount = syntheticTestCount
            self.syntheticSeed = syntheticSeed
        }
    }

    /// What a spec may be, for error messages.
    public static let acceptedFormats = """
        "synthetic"; a CIFAR-10 binary folder (data_batch_1.bin ... data_batch_5.bin, test_batch.bin); \
        a CIFAR-100 binary folder (train.bin, test.bin); an image folder (train/ and test/, each with one \
        folder of .jpg, .jpeg or .png images per class, optional labels.txt); a segmentation folder \
        (train/ and test/, each with images/ and same-named PNG masks/, optional classes.txt); one of \
        these folders packed as a .tar or .tar.gz archive; or scenes:<one of these> for segmentation \
        scenes generated from its images
        """

    /// The prefix of a scenes spec: `scenes:../shared/datasets/cifar10-jpeg.tar.gz`.
    public static let scenesPrefix = "scenes:"

    /// The splits of the dataset `spec` names.
    ///
    /// - Parameters:
    ///   - spec: `synthetic`, or the path of a folder or archive in one of `acceptedFormats`.
    ///   - report: called once with what was found (format, container, cache status).
    /// - Throws: `DataError` naming the file at fault, e.g. `.unknownFormat` listing the accepted
    ///   formats, `.missing` for a missing split or class folder.
    public static func load(_ spec: String, options: Options = Options(), report: ((LoadReport) -> Void)? = nil) throws -> Splits {
        let (full, found) = try loadWhole(spec, options: options)
        report?(found)
        return Splits(train: options.trainLimit.map { full.train.stratifiedSample(limit: $0, seed: options.seed) } ?? full.train,
                      test: options.testLimit.map { full.test.stratifiedSample(limit: $0, seed: options.seed) } ?? full.test)
    }

    private static func loadWhole(_ spec: String, options: Options) throws -> (Splits, LoadReport) {
        if spec.lowercased().hasPrefix(scenesPrefix) {
            let (source, found) = try loadWhole(String(spec.dropFirst(scenesPrefix.count)), options: options)
            let scenes = SceneDataset.make(from: source, trainCount: options.syntheticTrainCount, testCount: options.syntheticTestCount,
                                           seed: options.syntheticSeed)
            return (scenes, LoadReport(format: .scenes, container: found.container, cache: found.cache))
        }
        if spec.lowercased() == DatasetFormat.synthetic.rawValue {
            let splits = SyntheticDataset.make(trainCount: options.syntheticTrainCount, testCount: options.syntheticTestCount, seed: options.syntheticSeed)
            return (splits, LoadReport(format: .synthetic, container: .generated, cache: .disabled))
        }
        guard FileStatus.of(spec) != nil else {
            throw DataError(.missing, file: spec, "no such file or folder; expected \(acceptedFormats)")
        }
        let name = datasetName(spec)
        var rejection: String?
        /// The cache's splits if it holds a trustworthy copy; otherwise notes why not.
        func cached(_ cache: DecodeCache?) -> (Splits, LoadReport)? {
            guard let cache else { return nil }
            switch cache.read() {
            case .success(let hit): return hit
            case .failure(let why):
                rejection = why.reason
                return nil
            }
        }
        // A file's fingerprint is its size and time, so its cache is checked before even opening
        // it (as `make` trusts timestamps); a folder's fingerprint needs its listing.
        var cache: DecodeCache?
        if let status = FileStatus.of(spec), !status.isDirectory {
            cache = DecodeCache(source: spec, fingerprint: FileTree.archiveFingerprint(status), location: options.cache)
            if let hit = cached(cache) { return hit }
        }
        guard let container = try FileTree.container(of: spec) else {
            throw DataError(.unknownFormat, file: spec, "not a folder or a tar/gzip archive; expected \(acceptedFormats)")
        }
        let tree = try FileTree.open(spec)
        let format: DatasetFormat
        let decode: () throws -> Splits
        if let root = MaskFolder.root(in: tree) {
            // Masks are not in the decode cache's format: read them each time.
            format = .maskFolder
            cache = nil
            decode = { try MaskFolder.load(tree, root: root, name: name, threads: options.threads) }
        } else if let (variant, folder) = CIFARBinary.locate(in: tree) {
            format = variant == .cifar10 ? .cifar10Binary : .cifar100Binary
            decode = { try CIFARBinary.load(tree, variant: variant, folder: folder, name: name) }
        } else if let root = ImageFolder.root(in: tree) {
            format = .imageFolder
            decode = { try ImageFolder.load(tree, root: root, name: name, threads: options.threads) }
            if container == .directory {
                cache = DecodeCache(source: spec, fingerprint: tree.fingerprint, location: options.cache)
                if let hit = cached(cache) { return hit }
            }
        } else {
            throw DataError(.unknownFormat, file: spec,
                            "found neither CIFAR binary batches nor train/ and test/ folders in this \(container.rawValue); expected \(acceptedFormats)")
        }
        let splits = try decode()
        var status = CacheStatus.disabled
        if let cache {
            do {
                try cache.write(splits, format: format, container: container)
                status = rejection.map { .rebuilt(cache.path, reason: $0) } ?? .written(cache.path)
            } catch {
                status = .notWritten(cache.path, reason: "\(error)")
            }
        }
        return (splits, LoadReport(format: format, container: container, cache: status))
    }

    /// The source's base name without archive endings: `cifar10-jpeg` for `cifar10-jpeg.tar.gz`.
    private static func datasetName(_ spec: String) -> String {
        var name = URL(fileURLWithPath: spec).standardizedFileURL.lastPathComponent
        for ending in [".tar.gz", ".tgz", ".tar"] where name.lowercased().hasSuffix(ending) {
            name = String(name.dropLast(ending.count))
            break
        }
        return name
    }
}
