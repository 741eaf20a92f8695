import FunnelTensor
import Testing
@testable import FunnelData

@Suite struct DataLoaderTests {
    let dataset = SyntheticDataset.make(trainCount: 50, testCount: 0, seed: 4).train
    var normalization: Normalization { Normalization(fitting: dataset) }

    func collect(_ loader: DataLoader, epoch: Int) -> [(images: [Float], labels: [Int], indices: [Int])] {
        loader.batches(epoch: epoch).map { ($0.images.scalars, $0.labels, $0.indices) }
    }

    func same(_ a: [(images: [Float], labels: [Int], indices: [Int])], _ b: [(images: [Float], labels: [Int], indices: [Int])]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.images == $1.images && $0.labels == $1.labels && $0.indices == $1.indices }
    }

    @Test func evaluationIsInOrderAndOnlyNormalised() {
        let loader = DataLoader(dataset, normalization: normalization, options: .init(batchSize: 16, mode: .evaluation))
        let batches = collect(loader, epoch: 3)
        #expect(batches.map(\.indices.count) == [16, 16, 16, 2])
        #expect(batches.flatMap(\.indices) == Array(0..<50))
        #expect(batches.flatMap(\.labels) == dataset.labels)
        let batch = loader.batch(3, epoch: 0)
        #expect(batch.images.shape == [2, 3, 32, 32])
        // Logical NCHW element (k, c, y, x) is image 48 + k's byte at (y, x, c), normalised.
        for (k, c, y, x) in [(0, 0, 0, 0), (1, 2, 31, 5), (0, 1, 7, 30)] {
            let byte = dataset.pixels[(48 + k) * 3072 + (y * 32 + x) * 3 + c]
            #expect(batch.images[k, c, y, x] == normalization.normalized(byte, channel: c))
        }
    }

    @Test func dropLastLeavesOutThePartialBatch() {
        let loader = DataLoader(dataset, normalization: normalization, options: .init(batchSize: 16, dropLast: true))
        #expect(loader.batchCount == 3)
        let batches = collect(loader, epoch: 0)
        #expect(batches.count == 3 && batches.allSatisfy { $0.indices.count == 16 })
    }

    @Test func trainingShufflesEachEpochAndAugmentsEachImageByItsDraw() {
        let options = DataLoader.Options(batchSize: 8, augmentation: Augmentation(cutout: 6), seed: 11)
        let loader = DataLoader(dataset, normalization: normalization, options: options)
        let epoch0 = collect(loader, epoch: 0), epoch1 = collect(loader, epoch: 1)
        #expect(epoch0.flatMap(\.indices).sorted() == Array(0..<50))
        #expect(epoch0.flatMap(\.indices) != Array(0..<50))
        #expect(epoch0.flatMap(\.indices) != epoch1.flatMap(\.indices))
        #expect(epoch1.flatMap(\.labels) == epoch1.flatMap(\.indices).map { dataset.labels[$0] })
        // Each image in a batch is its own draw applied to it (NCHW logical order vs HWC floats).
        let batch = loader.batch(2, epoch: 1)
        for (k, index) in batch.indices.enumerated() {
            let draw = options.augmentation.draw(seed: 11, epoch: 1, index: index, height: 32, width: 32)
            let expected = draw.apply(to: Array(dataset.image(index)), height: 32, width: 32, normalization: normalization)
            let found = (0..<32 * 32 * 3).map { i in batch.images[k, i % 3, i / 96, (i / 3) % 32] }
            #expect(found == expected, "image \(index)")
        }
    }

    @Test func batchesDoNotDependOnThreadsOrPrefetchDepth() {
        func run(threads: Int, prefetch: Int) -> [(images: [Float], labels: [Int], indices: [Int])] {
            let loader = DataLoader(dataset, normalization: normalization,
                                    options: .init(batchSize: 7, augmentation: Augmentation(cutout: 4), seed: 3, prefetch: prefetch, threads: threads))
            return collect(loader, epoch: 4)
        }
        let reference = run(threads: 0, prefetch: 1)
        #expect(reference.count == 8)
        for (threads, prefetch) in [(1, 1), (1, 4), (3, 2), (4, 8)] {
            #expect(same(run(threads: threads, prefetch: prefetch), reference), "threads \(threads), prefetch \(prefetch)")
        }
        let otherSeed = DataLoader(dataset, normalization: normalization, options: .init(batchSize: 7, seed: 4))
        #expect(!same(collect(otherSeed, epoch: 4), reference))
    }

    /// Resuming at epoch 2 with a new loader gives what a run through epochs 0, 1, 2 gives.
    @Test func resumedEpochEqualsTheContinuousRun() {
        let options = DataLoader.Options(batchSize: 12, seed: 21, threads: 2)
        let continuous = DataLoader(dataset, normalization: normalization, options: options)
        var runs: [[(images: [Float], labels: [Int], indices: [Int])]] = []
        for epoch in 0..<3 { runs.append(collect(continuous, epoch: epoch)) }
        let resumed = DataLoader(dataset, normalization: normalization, options: options)
        #expect(same(collect(resumed, epoch: 2), runs[2]))
        #expect(!same(runs[1], runs[2]))
    }

    @Test func stoppingEarlyReleasesTheThreads() {
        let loader = DataLoader(dataset, normalization: normalization, options: .init(batchSize: 5, prefetch: 2, threads: 2))
        for _ in 0..<20 {
            let iterator = loader.batches(epoch: 0).makeIterator()
            #expect(iterator.next()?.indices.count == 5)
        } // each dropped iterator cancels its threads; the test would hang or leak otherwise
        #expect(collect(loader, epoch: 0).count == 10)
    }
}
