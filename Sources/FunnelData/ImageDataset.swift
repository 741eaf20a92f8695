import Foundation
import FunnelKernels
import FunnelTensor

/// A labelled set of equally sized colour images held in memory as bytes.
///
/// Pixels are one contiguous array: image after image, each in height-width-channel (HWC) order,
/// so image `i`'s pixel `(y, x)` channel `c` is `pixels[((i * height + y) * width + x) * channels + c]`.
/// That is the memory order of a channels-last batch tensor, so batches are filled row by row.
///
/// A segmentation dataset also has `masks`: one class per pixel (an index into `classes`, or
/// `ignoreLabel` for pixels that count for nothing), image after image, row by row. Its `labels`
/// then name each image's main class (the one covering most pixels), which keeps class-stratified
/// sampling meaningful.
public struct ImageDataset: Sendable, Equatable {
    /// The mask value of pixels without a label (PyTorch's `ignore_index=255` convention).
    public static let ignoreLabel: UInt8 = 255
    /// Where the images came from, e.g. `cifar10-jpeg` or `synthetic`.
    public let name: String
    /// Class names, indexed by label.
    public let classes: [String]
    /// Super-class names indexed by coarse label (CIFAR-100's 20 super-classes), when there are any.
    public let coarseClasses: [String]?
    /// Image height in pixels.
    public let height: Int
    /// Image width in pixels.
    public let width: Int
    /// Channels per pixel (3: red, green, blue).
    public let channels: Int
    /// All pixels, image after image, each image in HWC order.
    public let pixels: [UInt8]
    /// Each image's label, an index into `classes`.
    public let labels: [Int]
    /// Each image's coarse label, an index into `coarseClasses`, when the dataset has them.
    public let coarseLabels: [Int]?
    /// Per-pixel labels of a segmentation dataset (`height * width` bytes an image, row by row),
    /// each an index into `classes` or `ignoreLabel`; nil for image classification.
    public let masks: [UInt8]?

    /// A dataset from its parts.
    ///
    /// - Precondition: `pixels` holds `labels.count` images of `height * width * channels` bytes,
    ///   every label indexes `classes`, coarse labels and classes come together, and masks (if
    ///   any) hold one byte per pixel, each a class or `ignoreLabel`.
    public init(name: String, classes: [String], height: Int, width: Int, channels: Int = 3,
                pixels: [UInt8], labels: [Int], coarseClasses: [String]? = nil, coarseLabels: [Int]? = nil, masks: [UInt8]? = nil) {
        require(pixels.count == labels.count * height * width * channels,
                     "[ImageDataset] \(pixels.count) bytes for \(labels.count) images of \(height)x\(width)x\(channels)")
        require(labels.allSatisfy { $0 >= 0 && $0 < classes.count }, "[ImageDataset] label outside \(classes.count) classes")
        require((coarseClasses == nil) == (coarseLabels == nil), "[ImageDataset] coarse labels without coarse classes")
        if let coarseLabels, let coarseClasses {
            require(coarseLabels.count == labels.count, "[ImageDataset] \(coarseLabels.count) coarse labels for \(labels.count) images")
            require(coarseLabels.allSatisfy { $0 >= 0 && $0 < coarseClasses.count }, "[ImageDataset] coarse label outside \(coarseClasses.count) classes")
        }
        if let masks {
            require(masks.count == labels.count * height * width, "[ImageDataset] \(masks.count) mask bytes for \(labels.count) images of \(height)x\(width)")
            let k = classes.count
            require(masks.allSatisfy { Int($0) < k || $0 == Self.ignoreLabel }, "[ImageDataset] mask value outside \(k) classes and not \(Self.ignoreLabel)")
        }
        self.name = name
        self.masks = masks
        self.classes = classes
        self.coarseClasses = coarseClasses
        self.height = height
        self.width = width
        self.channels = channels
        self.pixels = pixels
        self.labels = labels
        self.coarseLabels = coarseLabels
    }

    /// Number of images.
    public var count: Int { labels.count }

    /// Same images, labels and classes. Pixels are compared with `memcmp`: the synthesised
    /// element-by-element comparison takes seconds on CIFAR's 150 MB in a debug build.
    public static func == (a: ImageDataset, b: ImageDataset) -> Bool {
        guard a.name == b.name, a.classes == b.classes, a.coarseClasses == b.coarseClasses, a.height == b.height,
              a.width == b.width, a.channels == b.channels, a.labels == b.labels, a.coarseLabels == b.coarseLabels,
              a.pixels.count == b.pixels.count, a.masks == b.masks else { return false }
        return a.pixels.withUnsafeBytes { x in b.pixels.withUnsafeBytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }

    /// Bytes per image: `height * width * channels`.
    public var imageByteCount: Int { height * width * channels }

    /// Image `index`'s bytes in HWC order.
    public func image(_ index: Int) -> ArraySlice<UInt8> {
        pixels[index * imageByteCount ..< (index + 1) * imageByteCount]
    }

    /// Image `index`'s mask (row by row), for a segmentation dataset.
    public func mask(_ index: Int) -> ArraySlice<UInt8>? {
        masks.map { $0[index * height * width ..< (index + 1) * height * width] }
    }

    /// Number of images of each class, indexed by label.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classes.count)
        for label in labels { counts[label] += 1 }
        return counts
    }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> ImageDataset {
        let size = imageByteCount
        var bytes = [UInt8](repeating: 0, count: indices.count * size)
        bytes.withUnsafeMutableBufferPointer { dst in
            pixels.withUnsafeBufferPointer { src in
                for (k, i) in indices.enumerated() {
                    (dst.baseAddress! + k * size).update(from: src.baseAddress! + i * size, count: size)
                }
            }
        }
        let area = height * width
        return ImageDataset(name: name, classes: classes, height: height, width: width, channels: channels,
                            pixels: bytes, labels: indices.map { labels[$0] },
                            coarseClasses: coarseClasses, coarseLabels: coarseLabels.map { c in indices.map { c[$0] } },
                            masks: masks.map { m in indices.flatMap { m[$0 * area ..< ($0 + 1) * area] } })
    }

    /// At most `limit` images drawn without replacement, as evenly over the classes as the classes
    /// allow, in dataset order.
    ///
    /// The images are shuffled with a generator seeded from `seed`, then taken class by class in
    /// turn (one of class 0, one of class 1, ...), so a limit of 1,000 on CIFAR-10 keeps 100 a class.
    /// - Returns: `self` when `limit >= count`.
    public func stratifiedSample(limit: Int, seed: UInt64) -> ImageDataset {
        guard limit < count else { return self }
        var generator = RandomGenerator(seed: DerivedSeed.make(seed, DerivedSeed.Purpose.sample))
        var byClass = [[Int]](repeating: [], count: classes.count)
        for i in generator.permutation(count) { byClass[labels[i]].append(i) }
        var chosen: [Int] = []
        chosen.reserveCapacity(limit)
        var round = 0
        while chosen.count < max(limit, 0) {
            for members in byClass where round < members.count && chosen.count < limit { chosen.append(members[round]) }
            round += 1
        }
        return subset(chosen.sorted())
    }
}
