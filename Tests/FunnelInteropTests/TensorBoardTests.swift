import Foundation
import FunnelTestSupport
import FunnelTrain
import Testing
@testable import FunnelInterop

/// The framing and encoding, against known values (no Python needed).
@Suite struct TensorBoardFormatTests {
    @Test func crc32cKnownValues() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)  // the CRC catalogue's check value
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)     // RFC 3720, B.4
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.masked(Array("123456789".utf8)) == 0xC78A_B0E5)  // TensorBoard's masked_crc32c
    }

    @Test func recordFraming() {
        let record = EventFileWriter.record(Array("hello".utf8))
        // tensorboard.summary.writer.record_writer.RecordWriter's bytes for b"hello".
        #expect(record == [5, 0, 0, 0, 0, 0, 0, 0, 234, 178, 4, 62, 104, 101, 108, 108, 111, 187, 31, 28, 25])
        #expect(Array(record[8..<12]) == withUnsafeBytes(of: CRC32C.masked(Array(record[0..<8])).littleEndian, Array.init))
        #expect(Array(record[17...]) == withUnsafeBytes(of: CRC32C.masked(Array("hello".utf8)).littleEndian, Array.init))
    }

    @Test func eventEncoding() {
        let event = TensorBoard.Event(wallTime: 1.5, step: 3, content: .summary(TensorBoard.Summary([TensorBoard.Value(tag: "loss", .scalar(0.25))])))
        // event_pb2.Event(wall_time=1.5, step=3, summary=Summary(value=[Value(tag="loss", simple_value=0.25)])).SerializeToString()
        #expect(event.encoded == [9, 0, 0, 0, 0, 0, 0, 248, 63, 16, 3, 42, 13, 10, 11, 10, 4, 108, 111, 115, 115, 21, 0, 0, 128, 62])
    }

    @Test func histogramBuckets() throws {
        let h = try #require(TensorBoard.Histogram([0, 1, 2, 3, 4], buckets: 2))
        #expect(h.min == 0 && h.max == 4 && h.count == 5 && h.sum == 10 && h.sumOfSquares == 30)
        #expect(h.bucketLimits == [2, 4] && h.bucketCounts == [2, 3])
        let constant = try #require(TensorBoard.Histogram([0.5, 0.5, 0.5]))
        #expect(constant.bucketLimits == [0.5] && constant.bucketCounts == [3])
        #expect(TensorBoard.Histogram([1, .nan]) == nil && TensorBoard.Histogram([]) == nil)
    }

    @Test func configFieldsBecomeHyperparameters() throws {
        var config = TrainConfig()
        config.act = "frelu:k=5"
        config.trainLimit = nil
        let hparams = try TensorBoard.HParams.hyperparameters(configJSON: try RunSpec.json(config))
        #expect(hparams["act"] == .string("frelu:k=5"))
        #expect(hparams["model"] == .string("resnet18"))
        #expect(hparams["lr"] == .number(0.1))
        #expect(hparams["batch_size"] == .number(128))
        #expect(hparams["augment"] == .bool(true))
        #expect(hparams["optimizer"] == .string("sgd"))
        #expect(hparams["milestones"] == .string("100,150"))
        #expect(hparams["train_limit"] == nil)  // absent, not null
    }
}

/// Event files written by Funnel, read back by TensorBoard itself (`TensorBoardReadBack`): every
/// scalar, step and hyperparameter equals what Funnel recorded in its run store.
@Suite(.enabled(if: TestServices.runPython, "needs the Python environment with tensorboard ($FUNNEL_TEST_PYTHON)"))
struct TensorBoardTests {
    /// The per-epoch tags, each with the run store's column it comes from.
    static func epochTags(_ e: EpochRecord) -> [(tag: String, value: Double?)] {
        [("train/loss", e.trainLoss), ("train/top1", e.trainAcc), ("test/loss", e.testLoss), ("test/top1", e.testTop1),
         ("test/top5", e.testTop5), ("lr", e.lr), ("images_per_second", e.imagesPerSecond), ("epoch_seconds", e.seconds)]
    }

    /// Every per-epoch, final and best scalar of `run` equals the store's value (as float32).
    static func expectScalars(_ read: TensorBoardReadBack.Run, equal epochs: [EpochRecord], summary: RunSummary,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        func float32(_ v: Double?) throws -> Double { Double(Float(try #require(v, sourceLocation: sourceLocation))) }
        for (index, tag) in epochTags(EpochRecord(runID: 0, epoch: 0)).map(\.tag).enumerated() {
            let expected = try epochs.map { ($0.epoch, try float32(epochTags($0)[index].value)) }
            #expect(read.points(tag).map(\.step) == expected.map(\.0), "\(tag) steps", sourceLocation: sourceLocation)
            #expect(read.points(tag).map(\.value) == expected.map(\.1), "\(tag) values", sourceLocation: sourceLocation)
        }
        let last = try #require(epochs.last?.epoch, sourceLocation: sourceLocation)
        let ends: [(String, Double?)] = [
            ("final/test_top1", summary.finalTestTop1), ("final/test_top5", summary.finalTestTop5), ("final/test_loss", summary.finalTestLoss),
            ("final/train_loss", summary.finalTrainLoss), ("best/test_top1", summary.bestTestTop1), ("best/epoch", summary.bestEpoch.map(Double.init)),
        ]
        for (tag, value) in ends {
            let points = read.points(tag)
            #expect(points.map(\.step) == [last], "\(tag) step", sourceLocation: sourceLocation)
            #expect(points.map(\.value) == [try float32(value)], "\(tag) value", sourceLocation: sourceLocation)
        }
    }

    /// `config`'s fields as the hparams plugin reads them back.
    static func expectedHyperparameters(_ config: TrainConfig) throws -> [String: JSONValue] {
        try TensorBoard.HParams.hyperparameters(configJSON: try RunSpec.json(config)).mapValues {
            switch $0 {
            case let .number(n): .number(n)
            case let .string(s): .string(s)
            case let .bool(b): .bool(b)
            }
        }
    }

    @Test func trainedRunReadsBackEqual() throws {
        let scratch = try Scratch("tb-trained")
        defer { scratch.remove() }
        let config = Self.tinyConfig(act: "frelu")
        var stepLosses: [Int: Double] = [:]
        let logger = TensorBoardLogger(runDirectory: scratch.url, config: config, options: .init(stepInterval: 1))
        let trainer = try Trainer(config: config, runDirectory: scratch.url, events: logger.handler(passingTo: { event in
            if case let .step(epoch, _, step, steps, _, batchLoss, _, _, _) = event { stepLosses[(epoch - 1) * steps + step] = batchLoss }
        }))
        try trainer.run()
        let store = try #require(trainer.store)
        let run = try #require(try store.runs().first)
        let epochs = try store.epochs(of: run.id)

        let read = try TensorBoardReadBack.read(scratch.url)
        let tb = try #require(read.runs["\(trainer.runName)/tb"], "runs read: \(read.runs.keys)")
        #expect(tb.eventFiles == 1)
        #expect(epochs.map(\.epoch) == [1, 2])
        try Self.expectScalars(tb, equal: epochs, summary: run.summary)
        #expect(tb.points("train/step_loss").map(\.step) == Array(1...4))
        #expect(tb.points("train/step_loss").map(\.value) == stepLosses.sorted { $0.key < $1.key }.map { Double(Float($0.value)) })
        #expect(tb.descriptions["train/step_loss"] == "Training loss of the batch at this global step.")

        let hparams = try Self.expectedHyperparameters(config)
        #expect(tb.hparams == hparams)
        #expect(tb.hparams["act"] == .string("frelu") && tb.hparams["model"] == .string("resnet20") && tb.hparams["lr"] == .number(0.1))
        #expect(tb.hparams["batch_size"] == .number(8) && tb.hparams["epochs"] == .number(2) && tb.hparams["seed"] == .number(0))
        #expect(tb.hparams["optimizer"] == .string("sgd") && tb.hparams["schedule"] == .string("multistep"))
        #expect(tb.group == trainer.runName && tb.sessionStarts == 1 && tb.sessionEnds == 1 && tb.endStatus == 1)

        // FReLU's parameters, after every epoch; the last equals the final checkpoint.
        let names = try ActivationParameters(config: config).names
        #expect(!names.isEmpty && names.allSatisfy { $0.contains("frelu") })
        #expect(Set(tb.histograms.keys) == Set(names.map { "params/" + $0 }))
        let checkpoint = try SafetensorsFile(contentsOf: try #require(trainer.checkpointURL))
        for name in names {
            let rows = try #require(tb.histograms["params/" + name])
            #expect(rows.map { Int($0[0]) } == [1, 2])
            let values = try checkpoint.tensor(name).scalars
            let last = try #require(rows.last)
            #expect(last[1] == Double(values.min()!) && last[2] == Double(values.max()!), "\(name) range")
            #expect(last[3] == Double(values.count) && last[6] == Double(values.count), "\(name) count")
        }
    }

    @Test func resumedRunAppendsWithoutRepeats() throws {
        let scratch = try Scratch("tb-resumed")
        defer { scratch.remove() }
        var config = Self.tinyConfig(act: "relu")
        config.epochs = 3
        func train(resume: Bool, stopAfter: Int? = nil) throws -> Trainer {
            let logger = TensorBoardLogger(runDirectory: scratch.url, config: config, options: .init(stepInterval: 1))
            let trainer = try Trainer(config: config, runDirectory: scratch.url, events: logger.handler(passingTo: { _ in }))
            try trainer.run(resume: resume, stopAfter: stopAfter)
            return trainer
        }
        _ = try train(resume: false, stopAfter: 1)
        let trainer = try train(resume: true)
        let store = try #require(trainer.store)
        let run = try #require(try store.runs().last)

        var tb = try #require(try TensorBoardReadBack.read(scratch.url).runs["\(trainer.runName)/tb"])
        #expect(tb.eventFiles == 2)
        try Self.expectScalars(tb, equal: try store.epochs(of: run.id), summary: run.summary)
        #expect(tb.points("train/step_loss").map(\.step) == Array(1...6))
        #expect(tb.sessionStarts == 1 && tb.sessionEnds == 1 && tb.endStatus == 1)

        // A new run of the same name would overwrite the run's checkpoint: refused before its log
        // or the store is touched.
        let checkpoint = try #require(trainer.checkpointURL)
        #expect(throws: TrainError.runExists(name: trainer.runName, checkpoint: checkpoint.path)) { try train(resume: false) }
        tb = try #require(try TensorBoardReadBack.read(scratch.url).runs["\(trainer.runName)/tb"])
        #expect(tb.eventFiles == 2 && tb.sessionStarts == 1 && tb.sessionEnds == 1)
        #expect(try store.runs().count == 1)
    }

    /// A run started over in its first epoch (killed before its first checkpoint, then run again)
    /// replaces the log that epoch left.
    @Test func runStartedOverReplacesItsFirstEpochsLog() throws {
        let scratch = try Scratch("tb-restarted")
        defer { scratch.remove() }
        let config = Self.tinyConfig(act: "relu")
        func train(stopAfterSteps: Int? = nil) throws -> Trainer {
            let logger = TensorBoardLogger(runDirectory: scratch.url, config: config, options: .init(stepInterval: 1))
            let trainer = try Trainer(config: config, runDirectory: scratch.url, events: logger.handler(passingTo: { _ in }))
            var steps = 0
            try trainer.run(shouldStop: {
                steps += 1
                return stopAfterSteps.map { steps >= $0 } ?? false
            })
            return trainer
        }
        let first = try train(stopAfterSteps: 1)
        // As a process killed in its first epoch leaves it: a log and a store row, no checkpoint.
        try FileManager.default.removeItem(at: try #require(first.checkpointURL))
        let again = try train()
        let store = try #require(again.store)
        let rerun = try #require(try store.runs().last)
        let tb = try #require(try TensorBoardReadBack.read(scratch.url).runs["\(again.runName)/tb"])
        #expect(tb.eventFiles == 1 && tb.sessionStarts == 1)
        try Self.expectScalars(tb, equal: try store.epochs(of: rerun.id), summary: rerun.summary)
    }

    /// Runs trained without TensorBoard, exported from the store: a grid the HParams view lists
    /// with every hyperparameter and metric.
    @Test func exportedGridInHParamsView() throws {
        let scratch = try Scratch("tb-export")
        defer { scratch.remove() }
        let acts = ["relu", "swish"]
        for act in acts { try Trainer(config: Self.tinyConfig(act: act), runDirectory: scratch.url).run() }
        let store = try RunStore(directory: scratch.url)
        let runs = try store.runs()
        #expect(TensorBoardRunLog.eventFiles(in: TensorBoardRunLog.folder(runDirectory: scratch.url, run: runs[0].spec.name)).isEmpty)
        for run in runs {
            let outcome = try TensorBoardExport.export(run, epochs: try store.epochs(of: run.id), runDirectory: scratch.url)
            guard case .written = outcome else { Issue.record("\(run.spec.name): \(outcome)"); continue }
        }

        let read = try TensorBoardReadBack.read(scratch.url)
        #expect(read.runs.count == 2)
        for run in runs {
            let tb = try #require(read.runs["\(run.spec.name)/tb"])
            try Self.expectScalars(tb, equal: try store.epochs(of: run.id), summary: run.summary)
            #expect(tb.hparams == (try Self.expectedHyperparameters(try JSONDecoder().decode(TrainConfig.self, from: Data(run.spec.config.utf8)))))
            #expect(tb.sessionStarts == 1 && tb.endStatus == 1)
            let group = try #require(read.groups.first { $0.name == run.spec.name })
            #expect(group.hparams == tb.hparams)
            #expect(group.statuses == ["STATUS_SUCCESS"])
            #expect(group.metrics["final/test_top1"] == run.summary.finalTestTop1.map { Double(Float($0)) })
            #expect(group.metrics["test/loss"] == run.summary.finalTestLoss.map { Double(Float($0)) })
        }
        #expect((read.hparamDomains["act"] ?? []).sorted { "\($0)" < "\($1)" } == acts.map(JSONValue.string))
        #expect(read.hparamNames.contains("lr") && read.hparamNames.contains("batch_size") && read.hparamNames.contains("seed"))
        #expect(Set(read.metricTags).isSuperset(of: ["train/loss", "test/top1", "test/top5", "lr", "images_per_second", "final/test_top1", "best/test_top1"]))

        // A second export leaves the logs alone, unless told to replace them.
        let run = runs[0]
        #expect(try TensorBoardExport.export(run, epochs: try store.epochs(of: run.id), runDirectory: scratch.url)
                == .skipped(folder: TensorBoardRunLog.folder(runDirectory: scratch.url, run: run.spec.name)))
        guard case .written = try TensorBoardExport.export(run, epochs: try store.epochs(of: run.id), runDirectory: scratch.url, replace: true) else {
            Issue.record("--replace did not write"); return
        }
        #expect(TensorBoardRunLog.eventFiles(in: TensorBoardRunLog.folder(runDirectory: scratch.url, run: run.spec.name)).count == 1)
    }

    @Test func nonFiniteValuesAreLeftOutAndReported() throws {
        let scratch = try Scratch("tb-nonfinite")
        defer { scratch.remove() }
        var warnings: [String] = []
        let log = try TensorBoardRunLog(folder: scratch.url.appendingPathComponent("r/tb"), warn: { warnings.append($0) })
        let epoch = EpochRecord(runID: 1, epoch: 1, trainLoss: 1e39, testLoss: .nan, testTop1: 50, testTop5: 90)
        try log.writeEpoch(epoch, time: Date())
        try log.writeEnd(epochs: [epoch], status: .success, time: Date())

        let tb = try #require(try TensorBoardReadBack.read(scratch.url).runs["r/tb"])
        #expect(tb.points("train/loss").isEmpty && tb.points("test/loss").isEmpty && tb.points("final/test_loss").isEmpty)
        #expect(tb.points("test/top1").map(\.value) == [50] && tb.points("test/top5").map(\.value) == [90])
        #expect(warnings.count == 4, "\(warnings)")  // train/loss, test/loss, final/test_loss, final/train_loss
        #expect(warnings.allSatisfy { $0.contains(log.url.path) })
        #expect(warnings.contains { $0.contains("test/loss") && $0.contains("nan") })
    }
}

extension TensorBoardTests {
    /// ResNet-20 on 16 synthetic images (20 to test): two epochs of two steps.
    static func tinyConfig(act: String) -> TrainConfig {
        var config = TrainConfig()
        config.model = "resnet20"
        config.act = act
        config.data = "synthetic"
        config.syntheticTrain = 16
        config.syntheticTest = 20
        config.epochs = 2
        config.batchSize = 8
        return config
    }

    /// A fresh folder under the temporary directory.
    struct Scratch {
        let url: URL

        init(_ label: String) throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-\(label)-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }

        func remove() { try? FileManager.default.removeItem(at: url) }
    }
}
