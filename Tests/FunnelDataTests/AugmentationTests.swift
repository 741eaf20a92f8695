import Testing
@testable import FunnelData

@Suite struct AugmentationTests {
    /// A 3x3 image whose channel 0 reads 1...9 row by row, channel 1 is that + 100, channel 2 + 200.
    let image: [UInt8] = (0..<9).flatMap { (p: Int) -> [UInt8] in [UInt8(p + 1), UInt8(p + 101), UInt8(p + 201)] }
    /// Normalisation that maps byte v to v exactly enough to compare: mean 0, std 1/255.
    let identity = Normalization(mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255])

    /// Channel `c` of an HWC float image as rows.
    func plane(_ values: [Float], _ c: Int) -> [[Float]] {
        (0..<3).map { y in (0..<3).map { x in (values[(y * 3 + x) * 3 + c]).rounded() } }
    }

    @Test func cropShiftsAndPadsWithZeros() {
        let out = Augmentation.Draw(shiftY: 1, shiftX: -1, flip: false).apply(to: image, height: 3, width: 3, normalization: identity)
        #expect(plane(out, 0) == [[0, 4, 5], [0, 7, 8], [0, 0, 0]])
        #expect(plane(out, 2) == [[0, 204, 205], [0, 207, 208], [0, 0, 0]])
    }

    @Test func flipMirrorsTheCrop() {
        let flipped = Augmentation.Draw(shiftY: 0, shiftX: 0, flip: true).apply(to: image, height: 3, width: 3, normalization: identity)
        #expect(plane(flipped, 0) == [[3, 2, 1], [6, 5, 4], [9, 8, 7]])
        // Crop first, then flip (torchvision's order).
        let both = Augmentation.Draw(shiftY: 1, shiftX: -1, flip: true).apply(to: image, height: 3, width: 3, normalization: identity)
        #expect(plane(both, 0) == [[5, 4, 0], [8, 7, 0], [0, 0, 0]])
        #expect(plane(both, 1) == [[105, 104, 0], [108, 107, 0], [0, 0, 0]])
    }

    /// Padding is a zero byte normalised like the others; cutout is 0 after normalisation.
    @Test func paddingIsNormalisedAndCutoutIsZeroAfterIt() {
        let normalization = Normalization(mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25])
        let draw = Augmentation.Draw(shiftY: 0, shiftX: 1, flip: false, cutoutY: -1, cutoutX: 0, cutoutSide: 2)
        let out = draw.apply(to: image, height: 3, width: 3, normalization: normalization)
        func n(_ v: Float) -> Float { (v / 255 - 0.5) / 0.25 }
        let expected: [[Float]] = [[0, 0, n(0)], [n(5), n(6), n(0)], [n(8), n(9), n(0)]]
        for y in 0..<3 { for x in 0..<3 { #expect(abs(out[(y * 3 + x) * 3] - expected[y][x]) < 1e-6, "(\(y), \(x))") } }
    }

    @Test func drawsAreDeterministicAndCoverTheirRanges() {
        let augmentation = Augmentation(padding: 4, horizontalFlip: true, cutout: 8)
        let draws = (0..<2000).map { augmentation.draw(seed: 5, epoch: 2, index: $0, height: 32, width: 32) }
        #expect(draws == (0..<2000).map { augmentation.draw(seed: 5, epoch: 2, index: $0, height: 32, width: 32) })
        #expect(Set(draws.map(\.shiftY)) == Set(-4...4) && Set(draws.map(\.shiftX)) == Set(-4...4))
        let flips = draws.filter(\.flip).count
        #expect(flips > 900 && flips < 1100)
        #expect(draws.allSatisfy { $0.cutoutSide == 8 && (-4..<28).contains($0.cutoutY) && (-4..<28).contains($0.cutoutX) })
        let nextEpoch = (0..<2000).map { augmentation.draw(seed: 5, epoch: 3, index: $0, height: 32, width: 32) }
        #expect(zip(draws, nextEpoch).filter { $0 == $1 }.count < 100)
        #expect(Augmentation.none.draw(seed: 5, epoch: 2, index: 0, height: 32, width: 32) == .identity)
    }
}

@Suite struct NormalizationTests {
    @Test func fitsEachChannelsMeanAndPopulationStd() {
        // Two 1x2 images; channel 0: 0, 255, 255, 0; channel 1: 51 everywhere; channel 2: 0, 0, 0, 255.
        let pixels: [UInt8] = [0, 51, 0, 255, 51, 0, 255, 51, 0, 0, 51, 255]
        let dataset = ImageDataset(name: "t", classes: ["a"], height: 1, width: 2, pixels: pixels, labels: [0, 0])
        let fitted = Normalization(fitting: dataset)
        #expect(abs(fitted.mean[0] - 0.5) < 1e-6 && abs(fitted.std[0] - 0.5) < 1e-6)
        #expect(abs(fitted.mean[1] - 0.2) < 1e-6 && fitted.std[1] == 1) // constant channel: only centred
        #expect(abs(fitted.mean[2] - 0.25) < 1e-6 && abs(fitted.std[2] - Float(0.1875).squareRoot()) < 1e-6)
        #expect(abs(fitted.normalized(255, channel: 2) - (1 - 0.25) / Float(0.1875).squareRoot()) < 1e-5)
    }

    @Test func fitIsIndependentOfThreadsOnALargerSet() {
        let train = SyntheticDataset.make(trainCount: 40, testCount: 0, seed: 1).train
        let fitted = Normalization(fitting: train)
        var sums = [Double](repeating: 0, count: 3)
        for (i, byte) in train.pixels.enumerated() { sums[i % 3] += Double(byte) / 255 }
        let n = Double(train.pixels.count / 3)
        for c in 0..<3 { #expect(abs(Double(fitted.mean[c]) - sums[c] / n) < 1e-6) }
    }
}
