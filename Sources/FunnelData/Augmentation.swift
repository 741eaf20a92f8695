import FunnelKernels
import FunnelTensor

/// Training-time augmentation: random crop from a zero-padded image, horizontal flip, cutout.
///
/// The standard CIFAR recipe (random 32x32 crop after 4 pixels of zero padding, then a flip with
/// probability 1/2) is the default; cutout (DeVries & Taylor 2017) is off unless given a size.
/// Each image's random choices come from a generator seeded by `(seed, epoch, image index)`, so
/// they do not depend on batch size, thread count or the order batches are prepared in.
public struct Augmentation: Sendable, Codable, Equatable {
    /// Pixels of zero padding on each side before the random crop back to the original size;
    /// 0 turns cropping off.
    public var padding: Int
    /// Whether to mirror left-right with probability 1/2.
    public var horizontalFlip: Bool
    /// Side of the square set to 0 after normalisation (the dataset mean); 0 turns cutout off.
    public var cutout: Int

    /// An augmentation; the defaults are the standard CIFAR recipe without cutout.
    public init(padding: Int = 4, horizontalFlip: Bool = true, cutout: Int = 0) {
        require(padding >= 0 && cutout >= 0, "[Augmentation] padding \(padding) and cutout \(cutout) must not be negative")
        self.padding = padding
        self.horizontalFlip = horizontalFlip
        self.cutout = cutout
    }

    /// No augmentation: images pass unchanged (and are only normalised).
    public static let none = Augmentation(padding: 0, horizontalFlip: false, cutout: 0)

    /// One image's random choices.
    public struct Draw: Sendable, Equatable {
        /// How far the crop window is moved down and right from the centred position, in
        /// `-padding ... padding`: output pixel `(y, x)` comes from input `(y + shiftY, x + shiftX)`
        /// (before the flip), and from the zero padding where that is outside the image.
        public var shiftY: Int
        /// See `shiftY`.
        public var shiftX: Int
        /// Whether the crop is mirrored left-right.
        public var flip: Bool
        /// The cutout square's top-left corner in output coordinates and its side; the square is
        /// clipped to the image. `side` 0: no cutout.
        public var cutoutY: Int
        /// See `cutoutY`.
        public var cutoutX: Int
        /// See `cutoutY`.
        public var cutoutSide: Int

        /// A draw that leaves the image unchanged.
        public static let identity = Draw(shiftY: 0, shiftX: 0, flip: false, cutoutY: 0, cutoutX: 0, cutoutSide: 0)

        /// A draw from its parts.
        public init(shiftY: Int, shiftX: Int, flip: Bool, cutoutY: Int = 0, cutoutX: Int = 0, cutoutSide: Int = 0) {
            self.shiftY = shiftY
            self.shiftX = shiftX
            self.flip = flip
            self.cutoutY = cutoutY
            self.cutoutX = cutoutX
            self.cutoutSide = cutoutSide
        }
    }

    /// The random choices for image `index` in `epoch` under `seed`.
    public func draw(seed: UInt64, epoch: Int, index: Int, height: Int, width: Int) -> Draw {
        var generator = RandomGenerator(seed: DerivedSeed.make(seed, .augment, epoch, index))
        return draw(height: height, width: width, generator: &generator)
    }

    /// Random choices drawn in torchvision's order: crop top, crop left, flip, then the cutout
    /// centre (anywhere in the image, as in DeVries & Taylor's code).
    public func draw(height: Int, width: Int, generator: inout RandomGenerator) -> Draw {
        var d = Draw.identity
        if padding > 0 {
            d.shiftY = generator.nextInt(2 * padding + 1) - padding
            d.shiftX = generator.nextInt(2 * padding + 1) - padding
        }
        if horizontalFlip { d.flip = generator.nextUniform() < 0.5 }
        if cutout > 0 {
            d.cutoutY = generator.nextInt(height) - cutout / 2
            d.cutoutX = generator.nextInt(width) - cutout / 2
            d.cutoutSide = cutout
        }
        return d
    }
}

extension Augmentation.Draw {
    /// The image `pixels` (HWC bytes) cropped, flipped, normalised and cut out by this draw, as
    /// HWC floats.
    public func apply(to pixels: [UInt8], height: Int, width: Int, normalization: Normalization) -> [Float] {
        let channels = normalization.mean.count
        require(pixels.count == height * width * channels, "[Augmentation] \(pixels.count) bytes for a \(height)x\(width)x\(channels) image")
        var out = [Float](repeating: 0, count: pixels.count)
        let table = normalization.table
        pixels.withUnsafeBufferPointer { source in
            table.withUnsafeBufferPointer { table in
                out.withUnsafeMutableBufferPointer { destination in
                    apply(source.baseAddress!, height: height, width: width, channels: channels,
                          table: table.baseAddress!, into: destination.baseAddress!)
                }
            }
        }
        return out
    }

    /// Writes `source` (HWC bytes) transformed into `destination` (HWC floats), normalising through
    /// `table` (`Normalization.table`). Padding is zero bytes, normalised like any other pixel, as
    /// torchvision pads before `Normalize`; cutout writes 0 after normalisation, as DeVries & Taylor's
    /// code does.
    func apply(_ source: UnsafePointer<UInt8>, height: Int, width: Int, channels: Int,
               table: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>) {
        for y in 0..<height {
            let sy = y + shiftY
            for x in 0..<width {
                let sx = (flip ? width - 1 - x : x) + shiftX
                let out = destination + (y * width + x) * channels
                if sy >= 0 && sy < height && sx >= 0 && sx < width {
                    let pixel = source + (sy * width + sx) * channels
                    for c in 0..<channels { out[c] = table[c * 256 + Int(pixel[c])] }
                } else {
                    for c in 0..<channels { out[c] = table[c * 256] }
                }
            }
        }
        guard cutoutSide > 0 else { return }
        for y in clipped(cutoutY, height) {
            for x in clipped(cutoutX, width) {
                (destination + (y * width + x) * channels).update(repeating: 0, count: channels)
            }
        }
    }

    /// Writes a segmentation mask (one byte a pixel) moved and mirrored as `apply` moves the image,
    /// so every label stays on its pixel; pixels from the padding get `ImageDataset.ignoreLabel`
    /// (they show no object and no background). Cutout leaves the mask as it is: the hidden
    /// pixels still belong to their class.
    func apply(mask source: UnsafePointer<UInt8>, height: Int, width: Int, into destination: UnsafeMutablePointer<UInt8>) {
        for y in 0..<height {
            let sy = y + shiftY
            for x in 0..<width {
                let sx = (flip ? width - 1 - x : x) + shiftX
                destination[y * width + x] = sy >= 0 && sy < height && sx >= 0 && sx < width
                    ? source[sy * width + sx] : ImageDataset.ignoreLabel
            }
        }
    }

    /// The part of `start ..< start + cutoutSide` inside `0 ..< limit`.
    private func clipped(_ start: Int, _ limit: Int) -> Range<Int> {
        let low = min(max(start, 0), limit)
        return low ..< max(min(start + cutoutSide, limit), low)
    }
}
