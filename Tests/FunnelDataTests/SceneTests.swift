import Foundation
import FunnelTensor
import Testing
@testable import FunnelData

/// The segmentation data: generated scenes, mask folders, and masks through augmentation.
@Suite struct SceneTests {
    /// A small stand-in for CIFAR: 12 noisy 32x32 images of 3 classes.
    static let source: ImageDataset = {
        var g = RandomGenerator(seed: 3)
        let pixels = (0..<(12 * 32 * 32 * 3)).map { _ in UInt8(g.nextInt(256)) }
        return ImageDataset(name: "tiny", classes: ["cat", "dog", "ship"], height: 32, width: 32, pixels: pixels, labels: (0..<12).map { $0 % 3 })
    }()

    @Test func scenesAreDeterministicAndGrowWithoutChangingEarlierOnes() {
        let a = SceneDataset.scenes(from: Self.source, count: 12, seed: 7, split: 0)
        let b = SceneDataset.scenes(from: Self.source, count: 12, seed: 7, split: 0)
        #expect(a == b)
        #expect(a.masks != nil && a.classes == ["background", "cat", "dog", "ship"] && a.height == 64 && a.width == 64)
        let more = SceneDataset.scenes(from: Self.source, count: 20, seed: 7, split: 0)
        #expect(more.subset(Array(0..<12)) == a)
        #expect(SceneDataset.scenes(from: Self.source, count: 12, seed: 8, split: 0).pixels != a.pixels)
        #expect(SceneDataset.scenes(from: Self.source, count: 12, seed: 7, split: 1).pixels != a.pixels)
    }

    /// Replays each scene's placements: every pixel's label is its topmost object's class + 1 and
    /// its colour that object's (resized) pixel; pixels no object covers are background (0).
    @Test func labelsMatchThePastedObjectsPixels() {
        let scenes = SceneDataset.scenes(from: Self.source, count: 30, seed: 1, split: 0)
        let side = SceneDataset.side
        var objectCounts = Set<Int>()
        for i in 0..<scenes.count {
            let placements = SceneDataset.placements(sourceCount: Self.source.count, seed: 1, split: 0, index: i)
            objectCounts.insert(placements.count)
            #expect(SceneDataset.objectCounts.contains(placements.count))
            let objects = placements.map { SceneDataset.object($0, source: Self.source) }
            let image = Array(scenes.image(i)), mask = Array(scenes.mask(i)!)
            var area = [Int](repeating: 0, count: 4)
            for y in 0..<side {
                for x in 0..<side {
                    let at = y * side + x
                    area[Int(mask[at])] += 1
                    guard let top = placements.indices.last(where: { k in
                        let p = placements[k]
                        return x >= p.x && x < p.x + p.side && y >= p.y && y < p.y + p.side
                    }) else {
                        #expect(mask[at] == 0, "scene \(i) pixel (\(x), \(y)) covered by no object")
                        continue
                    }
                    let p = placements[top]
                    #expect(SceneDataset.objectSides.contains(p.side) && p.x + p.side <= side && p.y + p.side <= side)
                    #expect(Int(mask[at]) == Self.source.labels[p.source] + 1, "scene \(i) pixel (\(x), \(y))")
                    let o = ((y - p.y) * p.side + (x - p.x)) * 3
                    #expect(Array(image[(image.startIndex + at * 3)...].prefix(3)) == Array(objects[top].pixels[o..<(o + 3)]),
                            "scene \(i) pixel (\(x), \(y)): colour is not object \(top)'s")
                }
            }
            let main = (1...3).max { area[$0] < area[$1] || (area[$0] == area[$1] && $0 > $1) }!
            #expect(scenes.labels[i] == main)
        }
        #expect(objectCounts.count >= 3, "30 scenes should show most object counts: \(objectCounts)")
    }

    @Test func scenesSpecLoadsTrainAndTestScenesFromTheirOwnSplits() throws {
        let options = DatasetLoader.Options(cache: .disabled, syntheticTrainCount: 6, syntheticTestCount: 4)
        var report: LoadReport?
        let splits = try DatasetLoader.load("scenes:synthetic", options: options, report: { report = $0 })
        #expect(report?.format == .scenes)
        #expect(splits.train.count == 6 && splits.test.count == 4 && splits.train.name == "scenes-synthetic")
        let source = SyntheticDataset.make(trainCount: 6, testCount: 4)
        #expect(splits.test == SceneDataset.scenes(from: source.test, count: 4, seed: 0, split: 1))
    }

    @Test func masksFollowTheImageThroughCropAndFlip() {
        let (h, w) = (3, 4)
        let mask: [UInt8] = Array(0..<12)
        let draw = Augmentation.Draw(shiftY: 1, shiftX: -1, flip: true)
        var out = [UInt8](repeating: 0, count: 12)
        mask.withUnsafeBufferPointer { m in out.withUnsafeMutableBufferPointer { draw.apply(mask: m.baseAddress!, height: h, width: w, into: $0.baseAddress!) } }
        // Output (y, x) comes from (y + 1, (3 - x) - 1); outside the image it is unlabelled.
        let expected: [UInt8] = [6, 5, 4, 255, 10, 9, 8, 255, 255, 255, 255, 255]
        #expect(out == expected)
        // The image moves the same way: as a one-channel image of the same values.
        let image = draw.apply(to: mask.flatMap { [$0, $0, $0] }, height: h, width: w,
                               normalization: Normalization(mean: [0, 0, 0], std: [1.0 / 255, 1.0 / 255, 1.0 / 255]))
        for (k, label) in expected.enumerated() where label != 255 { #expect(image[k * 3] == Float(label)) }
    }

    /// A segmentation folder: grey masks in train, palette masks in test, and a class list.
    func writeMaskFolder(_ folder: TemporaryFolder, classes: String? = "sky\nboat\nfish\n", testMaskValue: UInt8 = 2) throws {
        let (w, h) = (6, 5)
        for (split, names) in [("train", ["a", "b"]), ("test", ["c"])] {
            for (k, name) in names.enumerated() {
                try folder.write("sea/\(split)/images/\(name).png", Encode.png(TestImage.pattern(width: w, height: h, seed: k)))
                let values = (0..<(w * h)).map { (p: Int) -> UInt8 in p % 7 == 0 ? 255 : UInt8((p / w + k) % 3) }
                let mask = split == "train"
                    ? Encode.png(TestImage(width: w, height: h, channels: 1, pixels: values))
                    : Encode.palettePNG(width: w, height: h, indices: values.map { $0 == 2 ? testMaskValue : $0 })
                try folder.write("sea/\(split)/masks/\(name).png", mask)
            }
        }
        if let classes { try folder.write("sea/classes.txt", Array(classes.utf8)) }
    }

    @Test func maskFoldersLoadGreyAndPaletteMasks() throws {
        let folder = try TemporaryFolder()
        try writeMaskFolder(folder)
        var report: LoadReport?
        let splits = try DatasetLoader.load(folder("sea"), options: DatasetLoader.Options(cache: .disabled), report: { report = $0 })
        #expect(report?.format == .maskFolder)
        #expect(splits.train.classes == ["sky", "boat", "fish"] && splits.train.count == 2 && splits.test.count == 1)
        /// The fixture's mask of image `k`: 255 at every 7th pixel, else (row + k) mod 3.
        func mask(_ k: Int) -> [UInt8] { (0..<30).map { (p: Int) -> UInt8 in p % 7 == 0 ? 255 : UInt8((p / 6 + k) % 3) } }
        #expect(Array(splits.test.mask(0)!) == mask(0))
        #expect(Array(splits.train.mask(1)!) == mask(1))
        #expect(splits.train.pixels.count == 2 * 6 * 5 * 3)
    }

    @Test func maskFolderErrorsNameTheFile() throws {
        let folder = try TemporaryFolder()
        try writeMaskFolder(folder, testMaskValue: 9)
        let bad = dataError { _ = try DatasetLoader.load(folder("sea"), options: DatasetLoader.Options(cache: .disabled)) }
        #expect(bad?.kind == .label && bad?.file.hasSuffix("sea/test/masks/c.png") == true, "\(String(describing: bad))")
        #expect(bad?.problem.contains("mask value 9") == true)

        let missing = try TemporaryFolder()
        try writeMaskFolder(missing)
        try FileManager.default.removeItem(atPath: missing("sea/train/masks/b.png"))
        let error = dataError { _ = try DatasetLoader.load(missing("sea"), options: DatasetLoader.Options(cache: .disabled)) }
        #expect(error?.kind == .missing && error?.file.hasSuffix("sea/train/masks/b.png") == true, "\(String(describing: error))")
    }

    @Test func masksWithoutAClassListNameTheirValues() throws {
        let folder = try TemporaryFolder()
        try writeMaskFolder(folder, classes: nil)
        let splits = try DatasetLoader.load(folder("sea"), options: DatasetLoader.Options(cache: .disabled))
        #expect(splits.train.classes == ["0", "1", "2"])
    }
}
