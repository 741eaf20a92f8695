import Foundation
import Testing
@testable import FunnelData

@Suite struct CIFARBinaryTests {
    /// Distinct 32x32 images.
    func images(_ count: Int, seed: Int) -> [TestImage] {
        (0..<count).map { TestImage.pattern(width: 32, height: 32, seed: seed + $0) }
    }

    /// The channel-major to HWC conversion, checked on hand-placed bytes rather than the fixture
    /// encoder: record byte 1 + c * 1024 + y * 32 + x is pixel (y, x) of channel c.
    @Test func planesBecomeInterleavedPixels() throws {
        var record = [UInt8](repeating: 0, count: 3073)
        record[0] = 7
        record[1 + 0 * 1024 + 0 * 32 + 1] = 11 // red of (0, 1)
        record[1 + 1 * 1024 + 2 * 32 + 3] = 22 // green of (2, 3)
        record[1 + 2 * 1024 + 31 * 32 + 31] = 33 // blue of (31, 31)
        let records = try record.withUnsafeBytes {
            try CIFARBinary.parse($0, file: "r.bin", variant: .cifar10, classCount: 10, coarseCount: 0)
        }
        var expected = [UInt8](repeating: 0, count: 3072)
        expected[(0 * 32 + 1) * 3 + 0] = 11
        expected[(2 * 32 + 3) * 3 + 1] = 22
        expected[(31 * 32 + 31) * 3 + 2] = 33
        #expect(records.pixels == expected)
        #expect(records.labels == [7])
        #expect(records.coarseLabels.isEmpty)
    }

    func writeCIFAR10(_ folder: TemporaryFolder, under root: String, train: [TestImage], trainLabels: [UInt8],
                      test: [TestImage], testLabels: [UInt8]) throws {
        for batch in 0..<5 { // two images a batch
            let range = 2 * batch ..< 2 * batch + 2
            try folder.write("\(root)/data_batch_\(batch + 1).bin",
                             Encode.cifarRecords(Array(train[range]), labels: trainLabels[range].map { [$0] }))
        }
        try folder.write("\(root)/test_batch.bin", Encode.cifarRecords(test, labels: testLabels.map { [$0] }))
        try folder.write("\(root)/batches.meta.txt", Array((CIFARBinary.cifar10Classes.map { "my-" + $0 }.joined(separator: "\n") + "\n\n").utf8))
    }

    @Test func cifar10FolderAndArchive() throws {
        let folder = try TemporaryFolder()
        let train = images(10, seed: 0), test = images(3, seed: 50)
        let trainLabels: [UInt8] = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3], testLabels: [UInt8] = [9, 0, 7]
        try writeCIFAR10(folder, under: "cifar-10-batches-bin", train: train, trainLabels: trainLabels, test: test, testLabels: testLabels)
        var report: LoadReport?
        let splits = try DatasetLoader.load(folder("cifar-10-batches-bin"), options: .init(cache: .directory(folder("cache"))), report: { report = $0 })
        #expect(report?.format == .cifar10Binary)
        #expect(report?.cache == .disabled) // binary batches are read directly
        #expect(splits.train.classes == CIFARBinary.cifar10Classes.map { "my-" + $0 })
        #expect(splits.train.pixels == train.flatMap(\.pixels))
        #expect(splits.train.labels == trainLabels.map(Int.init))
        #expect(splits.test.pixels == test.flatMap(\.pixels))
        #expect(splits.test.labels == testLabels.map(Int.init))
        #expect(splits.train.coarseLabels == nil)
        #expect(splits.train.name == "cifar-10-batches-bin")

        // The official download's layout: the folder inside a .tar.gz.
        var items: [Encode.TarItem] = [.folder("cifar-10-batches-bin")]
        for name in (1...5).map({ "data_batch_\($0).bin" }) + ["test_batch.bin", "batches.meta.txt"] {
            items.append(.file("cifar-10-batches-bin/" + name, Array(try Data(contentsOf: URL(fileURLWithPath: folder("cifar-10-batches-bin/" + name))))))
        }
        let archive = try folder.write("cifar-10-binary.tar.gz", Encode.gzip(Encode.tar(items)))
        let fromArchive = try DatasetLoader.load(archive, options: .init(cache: .directory(folder("cache"))), report: { report = $0 })
        #expect(report?.format == .cifar10Binary)
        #expect(report?.container == .tarGzip)
        #expect(fromArchive.train.pixels == splits.train.pixels && fromArchive.test.labels == splits.test.labels)
        #expect(fromArchive.train.name == "cifar-10-binary")
    }

    @Test func cifar100WithCoarseLabels() throws {
        let folder = try TemporaryFolder()
        let train = images(4, seed: 7), test = images(2, seed: 70)
        let trainLabels: [[UInt8]] = [[4, 0], [1, 1], [19, 99], [0, 57]], testLabels: [[UInt8]] = [[8, 3], [14, 2]]
        try folder.write("cifar-100-binary/train.bin", Encode.cifarRecords(train, labels: trainLabels))
        try folder.write("cifar-100-binary/test.bin", Encode.cifarRecords(test, labels: testLabels))
        try folder.write("cifar-100-binary/fine_label_names.txt", Array((0..<100).map { "fine\($0)" }.joined(separator: "\n").utf8))
        try folder.write("cifar-100-binary/coarse_label_names.txt", Array((0..<20).map { "coarse\($0)" }.joined(separator: "\n").utf8))
        var report: LoadReport?
        let splits = try DatasetLoader.load(folder("cifar-100-binary"), options: .init(cache: .disabled), report: { report = $0 })
        #expect(report?.format == .cifar100Binary)
        #expect(splits.train.labels == [0, 1, 99, 57])
        #expect(splits.train.coarseLabels == [4, 1, 19, 0])
        #expect(splits.test.labels == [3, 2])
        #expect(splits.test.coarseLabels == [8, 14])
        #expect(splits.train.classes[57] == "fine57")
        #expect(splits.train.coarseClasses?.count == 20 && splits.train.coarseClasses?[19] == "coarse19")
        #expect(splits.train.pixels == train.flatMap(\.pixels))
        #expect(splits.test.pixels == test.flatMap(\.pixels))
    }

    @Test func fileThatIsNotWholeRecordsNamesSizes() throws {
        let folder = try TemporaryFolder()
        try folder.write("c/train.bin", Encode.cifarRecords(images(2, seed: 0), labels: [[0, 0], [0, 1]]) + [1, 2, 3])
        try folder.write("c/test.bin", Encode.cifarRecords(images(1, seed: 0), labels: [[0, 0]]))
        let error = dataError { _ = try DatasetLoader.load(folder("c"), options: .init(cache: .disabled)) }
        #expect(error?.kind == .recordSize)
        #expect(error?.file == folder("c/train.bin"))
        #expect(error?.problem == "size 6151 bytes is not a multiple of the 3074-byte record (2 label bytes + 3072 pixel bytes): 2 records and 3 bytes left over")
    }

    @Test func anEmptyBatchFileIsAnError() throws {
        let folder = try TemporaryFolder()
        try folder.write("c/train.bin", Encode.cifarRecords(images(2, seed: 0), labels: [[0, 0], [0, 1]]))
        try folder.write("c/test.bin", [])
        let error = dataError { _ = try DatasetLoader.load(folder("c"), options: .init(cache: .disabled)) }
        #expect(error?.kind == .truncated && error?.file == folder("c/test.bin"))
        #expect(error?.problem == "the file is empty (0 bytes); expected whole 3074-byte records")
    }

    @Test func labelOutsideTheClassesIsAnError() throws {
        let folder = try TemporaryFolder()
        let train = images(10, seed: 0)
        var labels: [UInt8] = Array(repeating: 1, count: 10)
        labels[7] = 10
        try writeCIFAR10(folder, under: "b", train: train, trainLabels: labels, test: images(1, seed: 0), testLabels: [0])
        let error = dataError { _ = try DatasetLoader.load(folder("b"), options: .init(cache: .disabled)) }
        #expect(error?.kind == .label)
        #expect(error?.file == folder("b/data_batch_4.bin"))
        #expect(error?.problem == "record 1 has label 10, expected 0..<10")
    }

    @Test func missingBatchIsNamed() throws {
        let folder = try TemporaryFolder()
        try writeCIFAR10(folder, under: "b", train: images(10, seed: 0), trainLabels: Array(repeating: 0, count: 10),
                         test: images(1, seed: 0), testLabels: [0])
        try FileManager.default.removeItem(atPath: folder("b/data_batch_3.bin"))
        let error = dataError { _ = try DatasetLoader.load(folder("b"), options: .init(cache: .disabled)) }
        #expect(error?.kind == .missing)
        #expect(error?.file == folder("b/data_batch_3.bin"))
        #expect(error?.problem.hasPrefix("no such file, expected data_batch_1.bin, ") == true, Comment(rawValue: error?.description ?? "no error"))
    }
}
