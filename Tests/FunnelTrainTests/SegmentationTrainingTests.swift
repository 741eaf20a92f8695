import Foundation
import Testing
import FunnelData
import FunnelModels
import FunnelNN
@testable import FunnelTrain

/// Segmentation end to end on scenes made from the built-in synthetic images: training with the
/// per-pixel loss, mIoU each epoch, a checkpoint, and predicted masks from it.
@Suite(.serialized) struct SegmentationTrainingTests {
    static func config(model: String = "resnet20") -> TrainConfig {
        var c = TrainConfig()
        c.task = .segment; c.model = model; c.data = "scenes:synthetic"; c.epochs = 1; c.batchSize = 8
        c.syntheticTrain = 16; c.syntheticTest = 8; c.schedule = .cosine; c.lr = 0.05
        return c
    }

    @Test func trainsRecordsMeanIoUAndGivesPredictedMasks() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-seg-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let trainer = try Trainer(config: Self.config(), runDirectory: dir)
        let summary = try trainer.run()
        let test = try #require(summary.epochs.last?.test)
        let miou = try #require(test.meanIoU)
        #expect(miou >= 0 && miou <= 1 && test.pixelAccuracy == test.top1 && test.count == 8)
        #expect(summary.finalMeanIoU == miou)
        #expect(summary.epochs[0].line.contains("mIoU"))
        let store = try RunStore(path: dir.appendingPathComponent("runs.sqlite").path)
        let epoch = try #require(try store.epochs(of: store.runs()[0].id).first)
        #expect(epoch.extra["test_miou"].map { abs($0 - miou * 100) < 1e-9 } == true)

        let checkpoint = try #require(trainer.checkpointURL)
        let samples = try SegmentationSample.predictions(checkpoint: checkpoint, count: 3)
        #expect(samples.count == 3 && samples[0].classes.first == "background")
        for s in samples {
            #expect(s.truth.count == 64 * 64 && s.predicted.count == 64 * 64 && s.image.width == 64)
            #expect(s.predicted.allSatisfy { Int($0) < s.classes.count })
        }
        // The checkpoint evaluates to the numbers training recorded.
        let trained = try TrainedModel(checkpoint: checkpoint)
        #expect(try Evaluation.run(trained.model, trained.testLoader()).meanIoU == miou)
    }

    /// A resumed run's earlier epochs come back from the run store with their mIoU: the best and
    /// final mIoU it reports count every epoch, not only those trained after the resume.
    @Test func resumedRunKeepsTheMeanIoUOfEpochsBeforeTheResume() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-seg-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = Self.config()
        config.epochs = 2
        let first = try Trainer(config: config, runDirectory: dir).run(stopAfter: 1)
        let before = try #require(first.epochs.first?.test)
        let resumed = try Trainer(config: config, runDirectory: dir).run(resume: true)
        #expect(resumed.epochs.map(\.epoch) == [1, 2])
        let stored = try #require(resumed.epochs.first?.test)
        // Stored in percent, read back as a fraction: equal up to that round trip.
        #expect(stored.meanIoU.map { abs($0 - before.meanIoU!) < 1e-12 } == true)
        #expect(stored.pixelAccuracy.map { abs($0 - before.pixelAccuracy!) < 1e-12 } == true)
        #expect(stored.count == before.count)
        let both = resumed.epochs.compactMap(\.test.meanIoU)
        #expect(both.count == 2 && resumed.bestMeanIoU == both.max())
        // Resuming the finished run trains nothing and reports its stored mIoU.
        let again = try Trainer(config: config, runDirectory: dir).run(resume: true)
        #expect(again.finalMeanIoU.map { abs($0 - resumed.finalMeanIoU!) < 1e-12 } == true)
        #expect(again.bestMeanIoU.map { abs($0 - resumed.bestMeanIoU!) < 1e-12 } == true)
    }

    @Test func segmentationNeedsMasksAndASegmentationModel() throws {
        var c = Self.config()
        c.data = "synthetic"
        #expect(throws: TrainError.invalidConfig(field: "data", expected: "a dataset with masks for task segment: scenes:ARCHIVE, "
                                                 + "or a folder with train/ and test/ each holding images/ and masks/", found: "synthetic")) {
            try Trainer(config: c, runDirectory: nil).run()
        }
        c = Self.config(model: "shufflenet_v2_0.5x")
        #expect(throws: TrainError.self) { try c.validate() }
        c = Self.config()
        c.task = .classify
        c.dilated = true
        #expect(throws: TrainError.self) { try c.validate() }
    }
}
