import Foundation
import FunnelKernels
import FunnelTensor

/// A built-in dataset of 32x32 colour images generated in memory, for trying models and
/// activations without downloading anything.
///
/// The ten classes differ only in spatial structure: stripes at four orientations (bands running
/// horizontally, vertically, along the main diagonal from top left to bottom right, and along the
/// antidiagonal), a checkerboard, concentric rings, a plus, an X, a grid of dots, a square outline. Each image
/// draws its two colours uniformly at random (so colour carries no information about the class),
/// and its scale, phase, position and a small rotation, then adds Gaussian noise. A small CNN has
/// to learn oriented and shaped filters to tell them apart; rings against stripes and the plus
/// against the square outline take more than one layer of them.
public enum SyntheticDataset {
    /// Class names by label.
    public static let classes = [
        "horizontal stripes", "vertical stripes", "diagonal stripes", "antidiagonal stripes", "checkerboard",
        "rings", "plus", "cross", "dot grid", "square outline",
    ]
    /// Image side in pixels.
    public static let side = 32

    /// The dataset's splits. Image `i` of a split has label `i % 10` (so classes are balanced) and
    /// depends only on `(seed, split, i)`: a larger count adds images without changing the first ones.
    public static func make(trainCount: Int = 5000, testCount: Int = 1000, seed: UInt64 = 0) -> Splits {
        Splits(train: split(count: trainCount, seed: seed, index: 0), test: split(count: testCount, seed: seed, index: 1))
    }

    private static func split(count: Int, seed: UInt64, index split: Int) -> ImageDataset {
        let bytes = side * side * 3
        let labels = (0..<count).map { $0 % classes.count }
        let pixels = [UInt8](unsafeUninitializedCapacity: count * bytes) { buffer, initialized in
            let base = SharedPointer(base: buffer.baseAddress!)
            parallelChunks(count, minimumPerThread: 1) { range in
                for i in range {
                    var generator = RandomGenerator(seed: DerivedSeed.make(seed, .synthetic, split, i))
                    render(label: labels[i], generator: &generator, into: base.base + i * bytes)
                }
            }
            initialized = count * bytes
        }
        return ImageDataset(name: "synthetic", classes: classes, height: side, width: side, pixels: pixels, labels: labels)
    }

    /// Draws one image of class `label` into `destination` (HWC).
    static func render(label: Int, generator g: inout RandomGenerator, into destination: UnsafeMutablePointer<UInt8>) {
        let shape = mask(label: label, generator: &g)
        var foreground: [Float] = []
        var background: [Float] = []
        // Redraw colours too close to tell apart (a class-independent rule, so colour stays uninformative).
        repeat {
            foreground = (0..<3).map { _ in g.nextUniform() }
            background = (0..<3).map { _ in g.nextUniform() }
        } while zip(foreground, background).map({ ($0 - $1) * ($0 - $1) }).reduce(0, +) < 0.25 * 0.25
        let noise = uniform(&g, 0.01, 0.12)
        for y in 0..<side {
            for x in 0..<side {
                let m = shape(Float(x) + 0.5, Float(y) + 0.5)
                for c in 0..<3 {
                    let n = g.nextNormalPair().0 * noise
                    let value = background[c] + m * (foreground[c] - background[c]) + n
                    destination[(y * side + x) * 3 + c] = UInt8((min(max(value, 0), 1) * 255).rounded())
                }
            }
        }
    }

    /// The class's shape as a coverage function `(x, y) -> [0, 1]` (1: foreground), with soft
    /// one-pixel edges so that nothing depends on aliasing.
    private static func mask(label: Int, generator g: inout RandomGenerator) -> (Float, Float) -> Float {
        let tilt = uniform(&g, -12, 12) * .pi / 180
        let center = (uniform(&g, 9, 23), uniform(&g, 9, 23))
        let phase = uniform(&g, 0, 2 * .pi)
        /// `(x, y)` relative to the centre, rotated by `angle`.
        func local(_ x: Float, _ y: Float, _ angle: Float) -> (Float, Float) {
            let (dx, dy) = (x - center.0, y - center.1)
            return (dx * cos(angle) + dy * sin(angle), -dx * sin(angle) + dy * cos(angle))
        }
        func soft(_ distanceOutside: Float) -> Float { min(max(0.5 - distanceOutside, 0), 1) }
        func wave(_ v: Float) -> Float { min(max(0.5 + 1.2 * v, 0), 1) }

        switch label {
        case 0, 1, 2, 3: // stripes; the wave runs along the bands' normal (y points down)
            let normal = [Float(90), 0, 135, 45][label] * .pi / 180 + tilt
            let period = uniform(&g, 4, 9)
            return { x, y in wave(sin(2 * .pi * (x * cos(normal) + y * sin(normal)) / period + phase)) }
        case 4: // checkerboard
            let cell = uniform(&g, 3, 6)
            return { x, y in
                let (u, v) = local(x, y, tilt)
                return min(max(0.5 + 2 * sin(.pi * u / cell) * sin(.pi * v / cell), 0), 1)
            }
        case 5: // concentric rings
            let period = uniform(&g, 4, 8)
            return { x, y in
                let (u, v) = local(x, y, 0)
                return wave(sin(2 * .pi * (u * u + v * v).squareRoot() / period + phase))
            }
        case 6, 7: // plus, and the same rotated by 45 degrees: an X
            let angle = tilt + (label == 7 ? .pi / 4 : 0)
            let arm = uniform(&g, 8, 14)
            let half = uniform(&g, 1.2, 2.5)
            return { x, y in
                let (u, v) = local(x, y, angle)
                return soft(min(max(abs(u) - half, abs(v) - arm), max(abs(v) - half, abs(u) - arm)))
            }
        case 8: // grid of dots
            let spacing = uniform(&g, 6, 9)
            let radius = uniform(&g, 1.3, 2.3)
            return { x, y in
                let (u, v) = local(x, y, tilt)
                let du = u - spacing * (u / spacing).rounded()
                let dv = v - spacing * (v / spacing).rounded()
                return soft((du * du + dv * dv).squareRoot() - radius)
            }
        default: // square outline
            let size = uniform(&g, 7, 12)
            let half = uniform(&g, 1, 2)
            return { x, y in
                let (u, v) = local(x, y, tilt)
                return soft(abs(max(abs(u), abs(v)) - size) - half)
            }
        }
    }

    private static func uniform(_ g: inout RandomGenerator, _ low: Float, _ high: Float) -> Float {
        low + (high - low) * g.nextUniform()
    }
}
