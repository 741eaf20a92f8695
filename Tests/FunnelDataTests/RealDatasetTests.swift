import Foundation
import Testing
import FunnelTestSupport
@testable import FunnelData

/// The CIFAR archives in `../shared/datasets` (relative to the package root), when they are there.
@Suite(.serialized) struct RealDatasetTests {
    @Test(.enabled(if: RealData.shouldRun("cifar10-jpeg.tar.gz"), "../shared/datasets/cifar10-jpeg.tar.gz is not there (set CI=true to fail instead)"))
    func cifar10Archive() throws {
        let cache = try TemporaryFolder()
        let source = RealData.path("cifar10-jpeg.tar.gz")
        var report: LoadReport?
        let splits = try DatasetLoader.load(source, options: .init(cache: .directory(cache.path)), report: { report = $0 })
        #expect(report?.format == .imageFolder)
        guard case .written(let cachePath)? = report?.cache else { Issue.record("cache: \(String(describing: report))"); return }
        #expect(splits.train.count == 50_000 && splits.test.count == 10_000)
        let cifar10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
        #expect(splits.train.classes == cifar10 && splits.test.classes == cifar10)
        #expect(splits.train.classCounts == Array(repeating: 5000, count: 10))
        #expect(splits.test.classCounts == Array(repeating: 1000, count: 10))
        #expect(splits.train.height == 32 && splits.train.width == 32 && splits.train.channels == 3)
        // Real photographs: neither blank nor saturated on average.
        let mean = Normalization(fitting: splits.train).mean
        #expect(mean.allSatisfy { $0 > 0.3 && $0 < 0.6 }, "channel means \(mean)")

        let again = try DatasetLoader.load(source, options: .init(cache: .directory(cache.path)), report: { report = $0 })
        #expect(report?.cache == .hit(cachePath))
        #expect(again == splits)
    }

    @Test(.enabled(if: RealData.shouldRun("cifar100-jpeg.tar.gz"), "../shared/datasets/cifar100-jpeg.tar.gz is not there (set CI=true to fail instead)"))
    func cifar100Archive() throws {
        let cache = try TemporaryFolder()
        let splits = try DatasetLoader.load(RealData.path("cifar100-jpeg.tar.gz"), options: .init(cache: .directory(cache.path)))
        #expect(splits.train.count == 50_000 && splits.test.count == 10_000)
        #expect(splits.train.classes.count == 100 && splits.train.classes == splits.train.classes.sorted())
        #expect(splits.train.classCounts == Array(repeating: 500, count: 100))
        #expect(splits.test.classCounts == Array(repeating: 100, count: 100))
        #expect(splits.train.coarseClasses?.count == 20)
        let coarse = try #require(splits.train.coarseLabels)
        #expect(Set(coarse) == Set(0..<20))
        // CIFAR-100 groups five fine classes under each super-class.
        var finesOfCoarse = [Int: Set<Int>]()
        for (fine, c) in zip(splits.train.labels, coarse) { finesOfCoarse[c, default: []].insert(fine) }
        #expect(finesOfCoarse.values.allSatisfy { $0.count == 5 })
        let apple = try #require(splits.train.classes.firstIndex(of: "apple"))
        let appleCoarse = coarse[splits.train.labels.firstIndex(of: apple)!]
        #expect(splits.train.coarseClasses?[appleCoarse] == "fruit_and_vegetables")
        #expect(splits.test.coarseLabels?.count == 10_000)
        #expect(splits.train.height == 32 && splits.train.width == 32)
    }
}
