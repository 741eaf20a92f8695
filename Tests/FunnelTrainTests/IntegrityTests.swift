import Foundation
import Testing
import FunnelData
import FunnelNN
@testable import FunnelTrain

/// Checkpoints that are corrupted or hold NaNs, and models whose outputs go non-finite, are
/// errors that say so: never a number printed as if it meant something.
@Suite struct IntegrityTests {
    func tinyConfig() -> TrainConfig {
        var c = TrainConfig()
        c.model = "resnet20"; c.data = "synthetic"; c.epochs = 1; c.batchSize = 8; c.syntheticTrain = 16; c.syntheticTest = 16
        return c
    }

    func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("funnel-integrity-\(UUID().uuidString.prefix(8))-\(name)")
    }

    @Test func checkpointsCarryAChecksumThatCatchesCorruption() throws {
        DefaultRandom.seed(3)
        let config = tinyConfig()
        let model = try Trainer.makeModel(config, classes: 10)
        let optimizer = Trainer.makeOptimizer(config, model)
        let url = temporaryURL("ckpt.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try TrainingCheckpoint(epoch: 1, config: config, model: model, optimizer: optimizer).save(to: url)
        let saved = try TrainingCheckpoint(contentsOf: url)
        #expect(saved.file.metadata[SafetensorsFile.checksumKey]?.count == 8)

        // One flipped bit in the last tensor's bytes.
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[bytes.count - 3] ^= 0x10
        try Data(bytes).write(to: url)
        #expect(throws: CheckpointError.self) { try TrainingCheckpoint(contentsOf: url) }
        do { _ = try TrainingCheckpoint(contentsOf: url) } catch {
            #expect("\(error)".hasPrefix(url.path + ": data section checksum is ") && "\(error)".contains("the file is corrupted"))
        }
        // A file without a checksum (as PyTorch writes them) still loads.
        let plain = SafetensorsFile(entries: ModelState.entries(of: model), metadata: ["format": "pt"])
        let reread = try SafetensorsFile(bytes: plain.serialized(), source: "torch.safetensors")
        try ModelState.load(reread, into: try Trainer.makeModel(config, classes: 10))
    }

    @Test func nonFiniteWeightsAreRefusedByName() throws {
        DefaultRandom.seed(4)
        let model = try Trainer.makeModel(tinyConfig(), classes: 10)
        var file = SafetensorsFile(entries: ModelState.entries(of: model), source: "bad.safetensors")
        var weights = try file.tensor("layer2.0.conv1.weight").scalars
        weights[7] = .nan
        weights[9] = .infinity
        file.entries["layer2.0.conv1.weight"] = SafetensorsEntry(Tensor(shape: [32, 16, 3, 3], scalars: weights))
        do {
            try ModelState.load(file, into: try Trainer.makeModel(tinyConfig(), classes: 10))
            Issue.record("a NaN weight was loaded")
        } catch {
            #expect("\(error)" == "bad.safetensors: tensor 'layer2.0.conv1.weight' holds 2 non-finite value(s), the first nan at element 7: refusing to load it")
        }
    }

    @Test func aModelWithNonFiniteOutputsHasNoAccuracy() throws {
        DefaultRandom.seed(5)
        let config = tinyConfig()
        let model = try Trainer.makeModel(config, classes: 10)
        let weight = model.namedParameters.first { $0.0 == "linear.weight" }!.1
        var values = weight.scalars
        values[0] = .infinity
        weight.assign(Tensor(shape: weight.shape, scalars: values))
        let splits = try Trainer.loadData(config)
        let loader = DataLoader(splits.test, normalization: Normalization(fitting: splits.train), options: .init(batchSize: 8, mode: .evaluation))
        #expect(throws: TrainError.self) { try Evaluation.run(model, loader) }
        do { _ = try Evaluation.run(model, loader) } catch {
            #expect("\(error)".hasPrefix("logits of evaluation batch 1 went non-finite"))
        }
    }

    @Test func namesResolveBeforeAnyDataIsLoaded() throws {
        var c = tinyConfig()
        c.data = "/nonexistent/never-read.tar.gz"
        c.act = "frelu:k=4"
        #expect(throws: TrainError.self) { try Trainer(config: c, runDirectory: nil) }
        c.act = "relu"
        c.model = "resnet21"
        do { _ = try Trainer(config: c, runDirectory: nil); Issue.record("model resnet21 was accepted") } catch {
            #expect("\(error)".contains("model = resnet21") && "\(error)".contains("resnet20"))
        }
    }
}

@Suite struct EdgeCaseTests {
    @Test func emptyAndZeroSizedDataAreErrors() throws {
        var c = TrainConfig()
        c.model = "resnet20"; c.syntheticTrain = 0
        #expect(throws: TrainError.invalidConfig(field: "synthetic_train", expected: "at least the batch size 128 (an epoch needs a batch)", found: "0")) {
            try c.validate()
        }
        c.syntheticTrain = 256; c.testLimit = 0
        #expect(throws: TrainError.self) { try c.validate() }
    }
}

@Suite struct FileErrorTests {
    @Test func aBadConfigInACheckpointNamesTheFileAndField() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bad-config-\(UUID().uuidString.prefix(8)).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let file = SafetensorsFile(entries: [:], metadata: ["funnel.epoch": "1", "funnel.random_state": "7", "funnel.config": #"{"epocs": 3}"#])
        try file.write(to: url)
        do {
            _ = try TrainingCheckpoint(contentsOf: url)
            Issue.record("a checkpoint with a bad config loaded")
        } catch {
            #expect("\(error)".contains(url.path + ": metadata funnel.config is not a training config: unknown key 'epocs'"), "\(error)")
        }
    }

    /// A checkpoint from before a placement the model lacks was refused: its network has ReLU
    /// where its config names the activation, so it is refused naming the file and the field.
    @Test func aCheckpointWhosePlacementTheModelLacksIsRefused() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bad-placement-\(UUID().uuidString.prefix(8)).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        var config = TrainConfig()
        config.model = "resnet20"; config.act = "frelu"; config.data = "synthetic"
        let model = try Trainer.makeModel(config, classes: 10)
        var checkpoint = try TrainingCheckpoint(epoch: 1, config: config, model: model, optimizer: Trainer.makeOptimizer(config, model))
        try checkpoint.save(to: url)
        #expect(try TrainingCheckpoint(contentsOf: url).config.act == "frelu")
        config.slots = .after1x1
        checkpoint.file.metadata["funnel.config"] = try RunSpec.json(config)
        try checkpoint.file.withDataChecksum().write(to: url)
        #expect(throws: TrainError.checkpointMismatch(url.path + ": metadata funnel.config: slots = after1x1; expected all (resnet20 has activations "
                                                      + "after 3x3 convolutions only) (written by a Funnel that took this placement and built ReLU there)")) {
            try TrainingCheckpoint(contentsOf: url)
        }
    }

    /// A store on a full file system says so and names the store.
    @Test(.enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
    func aFullDiskIsReportedAsSuch() throws {
        try withFullableDisk { mount in
            let store = try RunStore(directory: mount)
            let id = try store.createRun(spec("r", config: "{}"))
            do {
                for e in 1...100_000 {
                    try store.appendEpoch(EpochRecord(runID: id.id, epoch: e, extra: ["padding": Double(e), "more": Double(e) * 2]))
                }
                Issue.record("256 KiB never filled up")
            } catch {
                #expect("\(error)".hasPrefix(mount.appendingPathComponent("runs.sqlite").path + ": "), "\(error)")
                #expect("\(error)".contains("disk is full") || "\(error)".contains("disk I/O error"), "\(error)")
            }
        }
    }

    /// A checkpoint that does not fit says so, names the file, and leaves the previous checkpoint
    /// whole and no temporary file behind.
    @Test(.enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
    func aFullDiskDuringACheckpointKeepsThePreviousOne() throws {
        try withFullableDisk { mount in
            let url = mount.appendingPathComponent("checkpoint.safetensors")
            let small = Tensor(shape: [4], scalars: [1, 2, 3, 4])
            try SafetensorsFile(tensors: ["w": small]).write(to: url)
            let large = Tensor(shape: [200_000], scalars: [Float](repeating: 5, count: 200_000)) // 800 KB > 256 KiB
            do {
                try SafetensorsFile(tensors: ["w": large]).write(to: url)
                Issue.record("800 KB fitted in 256 KiB")
            } catch {
                #expect("\(error)".hasPrefix(url.path + ": "), "\(error)")
                #expect("\(error)".contains("No space left on device"), "\(error)")
            }
            #expect(try SafetensorsFile(contentsOf: url).tensor("w").scalars == small.scalars)
            #expect(try FileManager.default.contentsOfDirectory(atPath: mount.path) == ["checkpoint.safetensors"])
        }
    }

    /// Runs `body` on a fresh 256 KiB tmpfs (skipped where the sandbox refuses the mount).
    private func withFullableDisk(_ body: (URL) throws -> Void) throws {
        let mount = FileManager.default.temporaryDirectory.appendingPathComponent("full-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        defer { _ = try? run("/usr/bin/umount", mount.path); try? FileManager.default.removeItem(at: mount) }
        guard try run("/usr/bin/mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount.path) == 0 else {
            print("skipped: the sandbox refuses a tmpfs mount, so there is no disk to fill")
            return
        }
        try body(mount)
    }

    private func run(_ executable: String, _ arguments: String...) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}
