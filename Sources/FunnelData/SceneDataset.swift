import Foundation
import FunnelKernels
import FunnelTensor

/// Segmentation scenes generated from a classification dataset (CIFAR): each scene is a
/// 64x64 canvas holding 1 to 4 of the dataset's images, resized and placed at random, possibly
/// overlapping, on a textured background; every pixel is labelled with the class of the image on
/// top there, or background.
///
/// The generator, for scene `index` of a split (all random choices from one generator seeded by
/// `(seed, split, index)`, in this order):
/// 1. the number of objects, uniform in 1...4;
/// 2. per object: a source image uniform over the source split, a side uniform in 16...40 pixels
///    (the 32x32 image resized to that square with `RGBImage.resized`, Pillow's antialiased
///    bilinear), and a top-left corner uniform over the positions that keep it inside the canvas;
/// 3. the background texture: two colours uniform in RGB, stripes (orientation uniform, period
///    6-16 pixels, phase uniform) blended 60:40 with smooth value noise (a 5x5 grid of uniform
///    values, bilinearly interpolated), and per-pixel Gaussian noise of deviation 0.04.
/// Objects are pasted in order, later ones occluding earlier ones; a pixel's label is its topmost
/// object's class + 1, and 0 ("background") where no object covers it. No pixel is left
/// unlabelled (`ImageDataset.ignoreLabel` is for other data): object edges are exact squares.
/// The image-level label is the class covering the most pixels (a stratified sample then
/// balances scenes by their main object).
///
/// A pixel's colour carries some class information (sky behind airplanes, green behind frogs), but
/// telling an object's pixels from the background texture and from each other takes context: the
/// point of the task.
/// Training scenes take their objects from the source's training split, test scenes from its test split.
public enum SceneDataset {
    /// Canvas side in pixels.
    public static let side = 64
    /// Objects per scene.
    public static let objectCounts = 1...4
    /// Object sides in pixels.
    public static let objectSides = 16...40
    /// The label of pixels no object covers.
    public static let backgroundLabel: UInt8 = 0

    /// One pasted object: source image `source`, resized to `side x side`, its top-left corner at
    /// column `x`, row `y`.
    public struct Placement: Sendable, Equatable {
        public var source: Int
        public var x: Int
        public var y: Int
        public var side: Int
    }

    /// Scenes from both splits of `source`: `trainCount` from its training images, `testCount`
    /// from its test images. Scene `i` of a split depends only on `(source split, seed, i)`, so a
    /// larger count adds scenes without changing the first ones.
    public static func make(from source: Splits, trainCount: Int, testCount: Int, seed: UInt64) -> Splits {
        Splits(train: scenes(from: source.train, count: trainCount, seed: seed, split: 0),
               test: scenes(from: source.test, count: testCount, seed: seed, split: 1))
    }

    /// `count` scenes built from `source`'s images; `split` (0 train, 1 test) separates the
    /// random streams of the two splits.
    public static func scenes(from source: ImageDataset, count: Int, seed: UInt64, split: Int) -> ImageDataset {
        require(source.count > 0 && source.channels == 3, "[SceneDataset] needs RGB source images, got \(source.count) of \(source.channels) channels")
        require(source.classes.count < Int(ImageDataset.ignoreLabel), "[SceneDataset] \(source.classes.count) classes do not fit a mask byte")
        let area = side * side
        var masks = [UInt8](repeating: 0, count: count * area)
        var labels = [Int](repeating: 0, count: count)
        let pixels = [UInt8](unsafeUninitializedCapacity: count * area * 3) { buffer, initialized in
            let image = SharedPointer(base: buffer.baseAddress!)
            masks.withUnsafeMutableBufferPointer { masks in
                labels.withUnsafeMutableBufferPointer { labels in
                    let mask = SharedPointer(base: masks.baseAddress!), label = SharedPointer(base: labels.baseAddress!)
                    parallelChunks(count, minimumPerThread: 16) { range in
                        for i in range {
                            var generator = RandomGenerator(seed: DerivedSeed.make(seed, .scenes, split, i))
                            let placements = layout(sourceCount: source.count, generator: &generator)
                            label.base[i] = render(placements, source: source, generator: &generator,
                                                   image: image.base + i * area * 3, mask: mask.base + i * area)
                        }
                    }
                }
            }
            initialized = count * area * 3
        }
        return ImageDataset(name: "scenes-\(source.name)", classes: ["background"] + source.classes, height: side, width: side,
                            pixels: pixels, labels: labels, masks: masks)
    }

    /// The objects of scene `index` of `split`, bottom to top, for a source of `sourceCount` images.
    public static func placements(sourceCount: Int, seed: UInt64, split: Int, index: Int) -> [Placement] {
        var generator = RandomGenerator(seed: DerivedSeed.make(seed, .scenes, split, index))
        return layout(sourceCount: sourceCount, generator: &generator)
    }

    private static func layout(sourceCount: Int, generator g: inout RandomGenerator) -> [Placement] {
        let count = objectCounts.lowerBound + g.nextInt(objectCounts.count)
        return (0..<count).map { _ in
            let source = g.nextInt(sourceCount)
            let s = objectSides.lowerBound + g.nextInt(objectSides.count)
            let x = g.nextInt(side - s + 1), y = g.nextInt(side - s + 1)
            return Placement(source: source, x: x, y: y, side: s)
        }
    }

    /// The source image of a placement at its pasted size.
    public static func object(_ p: Placement, source: ImageDataset) -> RGBImage {
        RGBImage(width: source.width, height: source.height, pixels: Array(source.image(p.source))).resized(width: p.side, height: p.side)
    }

    /// Draws the background, pastes the objects and writes the mask; returns the image-level label
    /// (the scene class covering the most pixels, background only if nothing else shows).
    private static func render(_ placements: [Placement], source: ImageDataset, generator g: inout RandomGenerator,
                               image: UnsafeMutablePointer<UInt8>, mask: UnsafeMutablePointer<UInt8>) -> Int {
        background(generator: &g, into: image)
        mask.update(repeating: backgroundLabel, count: side * side)
        for p in placements {
            let object = object(p, source: source)
            let label = UInt8(source.labels[p.source] + 1)
            for y in 0..<p.side {
                for x in 0..<p.side {
                    let at = (p.y + y) * side + p.x + x
                    for c in 0..<3 { image[at * 3 + c] = object.pixels[(y * p.side + x) * 3 + c] }
                    mask[at] = label
                }
            }
        }
        var area = [Int](repeating: 0, count: source.classes.count + 1)
        for i in 0..<(side * side) { area[Int(mask[i])] += 1 }
        // The largest object class (the lowest on ties); background only if no object shows.
        let main = area.indices.dropFirst().max { area[$0] < area[$1] || (area[$0] == area[$1] && $0 > $1) }
        return main.flatMap { area[$0] > 0 ? $0 : nil } ?? Int(backgroundLabel)
    }

    /// The textured background (see the type's documentation, step 3).
    private static func background(generator g: inout RandomGenerator, into image: UnsafeMutablePointer<UInt8>) {
        let a = (0..<3).map { _ in g.nextUniform() }, b = (0..<3).map { _ in g.nextUniform() }
        let angle = g.nextUniform() * .pi
        let period = 6 + 10 * g.nextUniform()
        let phase = g.nextUniform() * 2 * .pi
        let grid = 5
        let knots = (0..<(grid * grid)).map { _ in g.nextUniform() }
        let step = Float(side) / Float(grid - 1)
        for y in 0..<side {
            for x in 0..<side {
                let (fx, fy) = (Float(x) + 0.5, Float(y) + 0.5)
                let stripes = 0.5 + 0.5 * sin(2 * .pi * (fx * cos(angle) + fy * sin(angle)) / period + phase)
                let (gx, gy) = (min(fx / step, Float(grid - 1) - 1e-3), min(fy / step, Float(grid - 1) - 1e-3))
                let (i, j) = (Int(gx), Int(gy)), (u, v) = (gx - Float(Int(gx)), gy - Float(Int(gy)))
                let noise = (1 - v) * ((1 - u) * knots[j * grid + i] + u * knots[j * grid + i + 1])
                    + v * ((1 - u) * knots[(j + 1) * grid + i] + u * knots[(j + 1) * grid + i + 1])
                let t = 0.6 * stripes + 0.4 * noise
                for c in 0..<3 {
                    let value = a[c] + t * (b[c] - a[c]) + 0.04 * g.nextNormalPair().0
                    image[(y * side + x) * 3 + c] = UInt8((min(max(value, 0), 1) * 255).rounded())
                }
            }
        }
    }
}
