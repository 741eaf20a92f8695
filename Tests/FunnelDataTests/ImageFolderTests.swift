import Foundation
import Testing
@testable import FunnelData

@Suite struct ImageFolderTests {
    let fixture = FolderFixture()

    func checkMatchesFixture(_ splits: Splits) {
        #expect(splits.train.classes == ["airplane", "cat", "dog"])
        #expect(splits.train.classes == splits.test.classes)
        #expect(splits.train.width == fixture.width && splits.train.height == fixture.height && splits.train.channels == 3)
        #expect(splits.train.labels == fixture.images(split: "train").map(\.label))
        #expect(splits.test.labels == fixture.images(split: "test").map(\.label))
        #expect(splits.train.pixels == fixture.pixels(split: "train"))
        #expect(splits.test.pixels == fixture.pixels(split: "test"))
        #expect(splits.train.coarseLabels == nil)
    }

    @Test func folderTarAndTarGzipGiveTheSameDataset() throws {
        let folder = try TemporaryFolder()
        try fixture.write(to: folder, under: "pets")
        var report: LoadReport?
        let options = DatasetLoader.Options(cache: .disabled)
        let fromFolder = try DatasetLoader.load(folder("pets"), options: options, report: { report = $0 })
        #expect(report == LoadReport(format: .imageFolder, container: .directory, cache: .disabled))
        checkMatchesFixture(fromFolder)
        #expect(fromFolder.train.name == "pets")

        let tar = try folder.write("pets.tar", Encode.tar(fixture.tarItems(top: "pets")))
        let fromTar = try DatasetLoader.load(tar, options: options, report: { report = $0 })
        #expect(report?.container == .tar)
        #expect(fromTar == fromFolder)

        // Without a top folder, and compressed.
        let gz = try folder.write("flat.tar.gz", Encode.gzip(Encode.tar(fixture.tarItems())))
        let fromGzip = try DatasetLoader.load(gz, options: options, report: { report = $0 })
        #expect(report?.container == .tarGzip)
        checkMatchesFixture(fromGzip)
        #expect(fromGzip.train.name == "flat")
    }

    @Test func jpegFolder() throws {
        let folder = try TemporaryFolder()
        var expected: [UInt8] = []
        for (label, name) in ["b", "a"].enumerated() {
            for k in 0..<2 {
                let image = TestImage.smooth(width: 16, height: 16, seed: label * 2 + k)
                try folder.write("j/train/\(name)/\(k).jpeg", Encode.jpeg(image))
                try folder.write("j/test/\(name)/\(k).JPG", Encode.jpeg(image))
                if name == "a" { expected = expected + image.pixels }
            }
        }
        let splits = try DatasetLoader.load(folder("j"), options: .init(cache: .disabled))
        #expect(splits.train.classes == ["a", "b"])
        #expect(splits.train.labels == [0, 0, 1, 1])
        let decoded = Array(splits.test.pixels[..<expected.count])
        let worst = zip(decoded, expected).map { abs(Int($0) - Int($1)) }.max()!
        #expect(worst <= 12, "largest JPEG error \(worst)")
    }

    @Test func labelsFileGivesFineAndCoarseLabels() throws {
        let folder = try TemporaryFolder()
        try fixture.write(to: folder, under: "c100/data")
        // Not alphabetical, to show the file decides: dog 0, airplane 1, cat 2.
        try folder.write("c100/data/labels.txt", Array("""
            # fine_label fine_name coarse_label coarse_name
            0 dog 1 animal
            1 airplane 0 vehicle
            2 cat 1 animal

            """.utf8))
        let splits = try DatasetLoader.load(folder("c100"), options: .init(cache: .disabled))
        #expect(splits.train.classes == ["dog", "airplane", "cat"])
        #expect(splits.train.coarseClasses == ["vehicle", "animal"])
        // Images are still read class folder by class folder in label order.
        #expect(splits.train.labels == [0, 0, 0, 1, 1, 1, 2, 2, 2])
        #expect(splits.train.coarseLabels == [1, 1, 1, 0, 0, 0, 1, 1, 1])
        let byName = Dictionary(grouping: fixture.images(split: "train"), by: { $0.path.split(separator: "/")[1] })
        #expect(splits.train.pixels == (byName["dog"]! + byName["airplane"]! + byName["cat"]!).flatMap(\.image.pixels))
    }

    @Test func malformedLabelsFileNamesTheLine() throws {
        let folder = try TemporaryFolder()
        try fixture.write(to: folder, under: "d")
        let labels = try folder.write("d/labels.txt", Array("0 dog 1 animal\n1 airplane\n".utf8))
        let error = dataError { _ = try DatasetLoader.load(folder("d"), options: .init(cache: .disabled)) }
        #expect(error?.kind == .corrupt)
        #expect(error?.file == labels)
        #expect(error?.problem == "line 2 \"1 airplane\": expected 4 fields like the lines before, found 2")
    }

    @Test func missingSplitIsNamed() throws {
        let folder = try TemporaryFolder()
        try fixture.write(to: folder, under: "d")
        try FileManager.default.removeItem(atPath: folder("d/test"))
        let error = dataError { _ = try DatasetLoader.load(folder("d"), options: .init(cache: .disabled)) }
        #expect(error?.kind == .missing)
        #expect(error?.file == folder("d/test"))
        #expect(error?.problem == "no test folder, expected train and test folders in \(folder("d"))")
    }

    @Test func missingClassFolderIsNamed() throws {
        let folder = try TemporaryFolder()
        try fixture.write(to: folder, under: "d")
        try FileManager.default.removeItem(atPath: folder("d/test/cat"))
        let error = dataError { _ = try DatasetLoader.load(folder("d"), options: .init(cache: .disabled)) }
        #expect(error?.kind == .missing)
        #expect(error?.file == folder("d/test/cat"))
        #expect(error?.problem == "no folder for class \"cat\", expected one folder per class in \(folder("d/test"))")
    }

    @Test func emptyClassIsAnError() throws {
        let folder = try TemporaryFolder()
        var items = fixture.tarItems(top: "d").filter {
            if case .file(let name, _) = $0 { return !name.hasPrefix("d/train/dog/") }
            return true
        }
        items.append(.file("d/train/dog/readme.txt", Array("no images here".utf8)))
        let path = try folder.write("d.tar", Encode.tar(items))
        let error = dataError { _ = try DatasetLoader.load(path, options: .init(cache: .disabled)) }
        #expect(error?.kind == .emptyClass)
        #expect(error?.file == path + ":d/train/dog")
        #expect(error?.problem == "class \"dog\" has no images, expected .jpg, .jpeg or .png files")
    }

    @Test func imageOfAnotherSizeNamesBothFiles() throws {
        let folder = try TemporaryFolder()
        try fixture.write(to: folder, under: "d")
        try folder.write("d/train/dog/0001.png", Encode.png(TestImage.pattern(width: 7, height: 5, seed: 0)))
        let error = dataError { _ = try DatasetLoader.load(folder("d"), options: .init(cache: .disabled)) }
        #expect(error?.kind == .imageSize)
        #expect(error?.file == folder("d/train/dog/0001.png"))
        #expect(error?.problem == "image is 7x5 (width x height), expected 6x5 like \(folder("d/train/airplane/0000.png")) and the rest of its split")
    }

    @Test func undecodableImageIsNamed() throws {
        let folder = try TemporaryFolder()
        try fixture.write(to: folder, under: "d")
        let bad = try folder.write("d/test/dog/0000.png", Array(Encode.png(TestImage.pattern(width: 6, height: 5, seed: 0)).prefix(40)))
        let error = dataError { _ = try DatasetLoader.load(folder("d"), options: .init(cache: .disabled)) }
        #expect(error?.kind == .corrupt)
        #expect(error?.file == bad)
        #expect(error?.problem.hasPrefix("undecodable PNG") == true, Comment(rawValue: error?.description ?? "no error"))
    }
}

@Suite struct DatasetLoaderTests {
    @Test func unknownFormatsListTheAcceptedOnes() throws {
        let folder = try TemporaryFolder()
        let text = try folder.write("notes.txt", Array("hello".utf8))
        let error = dataError { _ = try DatasetLoader.load(text) }
        #expect(error?.kind == .unknownFormat)
        #expect(error?.file == text)
        #expect(error?.problem.hasSuffix("expected " + DatasetLoader.acceptedFormats) == true)

        try folder.write("other/readme.txt", Array("hello".utf8))
        let folderError = dataError { _ = try DatasetLoader.load(folder("other")) }
        #expect(folderError?.kind == .unknownFormat)
        #expect(folderError?.problem.hasPrefix("found neither CIFAR binary batches nor train/ and test/ folders in this folder") == true)

        let missing = dataError { _ = try DatasetLoader.load(folder("nothing-here")) }
        #expect(missing?.kind == .missing)
    }

    @Test func syntheticSpec() throws {
        var report: LoadReport?
        let splits = try DatasetLoader.load("synthetic", options: .init(syntheticTrainCount: 30, syntheticTestCount: 10), report: { report = $0 })
        #expect(report == LoadReport(format: .synthetic, container: .generated, cache: .disabled))
        #expect(splits == SyntheticDataset.make(trainCount: 30, testCount: 10))
    }

    @Test func limitsKeepAStratifiedSeededSample() throws {
        let full = SyntheticDataset.make(trainCount: 100, testCount: 40, seed: 3)
        let options = DatasetLoader.Options(trainLimit: 30, testLimit: 25, seed: 9, syntheticTrainCount: 100, syntheticTestCount: 40, syntheticSeed: 3)
        let limited = try DatasetLoader.load("synthetic", options: options)
        #expect(limited.train.count == 30 && limited.test.count == 25)
        #expect(limited.train.classCounts == Array(repeating: 3, count: 10))
        #expect(limited.test.classCounts.allSatisfy { $0 == 2 || $0 == 3 })
        #expect(try DatasetLoader.load("synthetic", options: options) == limited)
        // The kept images are images of the full set, with their labels.
        for k in 0..<limited.train.count {
            let matches = (0..<full.train.count).filter { full.train.image($0) == limited.train.image(k) }
            #expect(matches.count == 1 && full.train.labels[matches[0]] == limited.train.labels[k])
        }
        var other = options
        other.seed = 10
        #expect(try DatasetLoader.load("synthetic", options: other).train != limited.train)
    }
}
