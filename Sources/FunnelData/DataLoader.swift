import FunnelKernels
import FunnelTensor

/// A batch of images ready for a model.
public struct Batch: Sendable {
    /// Normalised images, shape `[N, channels, height, width]` (stored channels-last).
    public let images: Tensor
    /// Each image's label.
    public let labels: [Int]
    /// Each image's index in the dataset.
    public let indices: [Int]
    /// A segmentation dataset's masks, augmented as the images: `height * width` bytes an image,
    /// row by row, each a class or `ImageDataset.ignoreLabel`; nil for classification.
    public let masks: [UInt8]?

    public init(images: Tensor, labels: [Int], indices: [Int], masks: [UInt8]? = nil) {
        self.images = images; self.labels = labels; self.indices = indices; self.masks = masks
    }

    /// The masks as one class index per pixel in `(n, y, x)` order (the loss's and metrics' input).
    public var pixelLabels: [Int]? { masks?.map(Int.init) }
}

/// Cuts a dataset into batches for one epoch at a time, augmenting and normalising on background
/// threads so that training does not wait for data.
///
/// Everything random is a pure function of the seed, the epoch and the image: the order of an
/// epoch is a permutation seeded from `(seed, epoch)`, and each image's augmentation is drawn from
/// `(seed, epoch, image index)`. So the batches do not depend on the number of threads or how far
/// ahead they are prepared, and a run resumed at epoch `e` sees exactly the batches an
/// uninterrupted run would.
public final class DataLoader: Sendable {
    /// Training (shuffled and augmented) or evaluation (in order, only normalised).
    public enum Mode: String, Sendable, Codable {
        case train, evaluation
    }

    /// How batches are made.
    public struct Options: Sendable, Equatable {
        /// Images per batch.
        public var batchSize: Int
        /// Training or evaluation.
        public var mode: Mode
        /// Augmentation used in training mode (ignored in evaluation).
        public var augmentation: Augmentation
        /// Seed of the shuffles and augmentations.
        public var seed: UInt64
        /// Whether to leave out a last batch smaller than `batchSize`.
        public var dropLast: Bool
        /// Batches prepared ahead of the consumer.
        public var prefetch: Int
        /// Background threads preparing batches; 0 prepares each batch on the consumer's thread
        /// when it is asked for.
        public var threads: Int

        /// Options; the defaults suit CIFAR training with batch 128.
        public init(batchSize: Int = 128, mode: Mode = .train, augmentation: Augmentation = Augmentation(),
                    seed: UInt64 = 0, dropLast: Bool = false, prefetch: Int = 3, threads: Int = 1) {
            require(batchSize > 0 && prefetch > 0 && threads >= 0,
                         "[DataLoader] batch size \(batchSize) and prefetch \(prefetch) must be positive, threads \(threads) not negative")
            self.batchSize = batchSize
            self.mode = mode
            self.augmentation = augmentation
            self.seed = seed
            self.dropLast = dropLast
            self.prefetch = prefetch
            self.threads = threads
        }
    }

    /// The images batched.
    public let dataset: ImageDataset
    /// The normalisation applied to every image (the training split's statistics).
    public let normalization: Normalization
    /// How batches are made.
    public let options: Options
    private let table: [Float]

    /// A loader of `dataset`'s images normalised with `normalization`.
    public init(_ dataset: ImageDataset, normalization: Normalization, options: Options = Options()) {
        require(normalization.mean.count == dataset.channels,
                     "[DataLoader] normalisation for \(normalization.mean.count) channels, images have \(dataset.channels)")
        self.dataset = dataset
        self.normalization = normalization
        self.options = options
        table = normalization.table
    }

    /// Batches in one epoch.
    public var batchCount: Int {
        options.dropLast ? dataset.count / options.batchSize : (dataset.count + options.batchSize - 1) / options.batchSize
    }

    /// The order images are visited in `epoch`: a seeded permutation in training, the dataset
    /// order in evaluation.
    public func order(epoch: Int) -> [Int] {
        guard options.mode == .train else { return Array(0..<dataset.count) }
        var generator = RandomGenerator(seed: DerivedSeed.make(options.seed, .shuffle, epoch))
        return generator.permutation(dataset.count)
    }

    /// Batch `index` of `epoch`, prepared on the calling thread.
    public func batch(_ index: Int, epoch: Int) -> Batch {
        require(index >= 0 && index < batchCount, "[DataLoader] batch \(index) of \(batchCount)")
        return makeBatch(index, order: order(epoch: epoch), epoch: epoch)
    }

    /// The batches of `epoch` from batch `first` on (a run resumed mid-epoch skips the batches it
    /// already trained on), prepared ahead on background threads as they are iterated.
    public func batches(epoch: Int, from first: Int = 0) -> EpochBatches {
        EpochBatches(loader: self, epoch: epoch, first: min(max(0, first), batchCount))
    }

    func makeBatch(_ index: Int, order: [Int], epoch: Int) -> Batch {
        let d = dataset
        let members = Array(order[index * options.batchSize ..< min((index + 1) * options.batchSize, order.count)])
        let images = Tensor(uninitialized: [members.count, d.channels, d.height, d.width])
        let floatsPerImage = d.imageByteCount
        let area = d.height * d.width
        var masks = d.masks.map { _ in [UInt8](repeating: 0, count: members.count * area) }
        d.pixels.withUnsafeBufferPointer { pixels in
            table.withUnsafeBufferPointer { table in
                for (k, image) in members.enumerated() {
                    let draw = options.mode == .train
                        ? options.augmentation.draw(seed: options.seed, epoch: epoch, index: image, height: d.height, width: d.width)
                        : .identity
                    // A channels-last tensor's memory is each image's HWC floats in turn.
                    draw.apply(pixels.baseAddress! + image * d.imageByteCount, height: d.height, width: d.width,
                               channels: d.channels, table: table.baseAddress!,
                               into: images.buffer.pointer + k * floatsPerImage)
                    if let source = d.masks {
                        source.withUnsafeBufferPointer { source in
                            masks!.withUnsafeMutableBufferPointer { out in
                                draw.apply(mask: source.baseAddress! + image * area, height: d.height, width: d.width, into: out.baseAddress! + k * area)
                            }
                        }
                    }
                }
            }
        }
        return Batch(images: images, labels: members.map { d.labels[$0] }, indices: members, masks: masks)
    }
}

/// One epoch's batches, in order. Iterating starts the background threads; stopping early (or
/// dropping the iterator) stops them.
public struct EpochBatches: Sequence {
    let loader: DataLoader
    let epoch: Int
    let first: Int

    /// Starts preparing the epoch's batches.
    public func makeIterator() -> Iterator { Iterator(loader: loader, epoch: epoch, first: first) }

    /// Hands out the epoch's batches in order.
    public final class Iterator: IteratorProtocol {
        private let loader: DataLoader
        private let epoch: Int
        private let order: [Int]
        private let prefetcher: BatchPrefetcher<Batch>?
        private var position: Int

        init(loader: DataLoader, epoch: Int, first: Int) {
            self.loader = loader
            self.epoch = epoch
            position = first
            let order = loader.order(epoch: epoch)
            self.order = order
            let options = loader.options
            prefetcher = options.threads == 0 || first == loader.batchCount ? nil
                : BatchPrefetcher(count: loader.batchCount - first, depth: options.prefetch, threads: options.threads) {
                    loader.makeBatch($0 + first, order: order, epoch: epoch)
                }
        }

        deinit { prefetcher?.cancel() }

        /// The next batch, waiting for it if the background threads are behind; `nil` at the end.
        public func next() -> Batch? {
            if let prefetcher { return prefetcher.next() }
            guard position < loader.batchCount else { return nil }
            defer { position += 1 }
            return loader.makeBatch(position, order: order, epoch: epoch)
        }
    }
}
