import Foundation
import Testing
import FunnelData
import FunnelNN
@testable import FunnelTrain

/// A small but real configuration: ResNet-20 on 256 synthetic images.
private func smallConfig(epochs: Int = 2, act: String = "relu") -> TrainConfig {
    var c = TrainConfig()
    c.model = "resnet20"; c.act = act; c.data = "synthetic"; c.epochs = epochs; c.batchSize = 64
    c.schedule = .cosine; c.syntheticTrain = 256; c.syntheticTest = 128
    return c
}

@Suite(.serialized) struct TrainerTests {
    @Test func resumedRunEqualsUninterruptedRun() throws {
        let config = smallConfig()
        let wholeDir = try makeTemporaryDirectory(), dir = try makeTemporaryDirectory()
        defer { for d in [wholeDir, dir] { try? FileManager.default.removeItem(at: d) } }
        let whole = try Trainer(config: config, runDirectory: wholeDir).run()
        let first = try Trainer(config: config, runDirectory: dir).run(stopAfter: 1)
        #expect(first.epochs.count == 1)
        let store = try RunStore(path: dir.appendingPathComponent("runs.sqlite").path)
        #expect(try store.runs().first?.status == .interrupted)
        let resumed = try Trainer(config: config, runDirectory: dir).run(resume: true)
        #expect(resumed.epochs.map(\.epoch) == [1, 2])
        // Same seed, same data order and augmentation, restored optimizer and BN state: same numbers.
        #expect(resumed.epochs.map(\.trainLoss) == whole.epochs.map(\.trainLoss))
        #expect(resumed.epochs.map(\.test) == whole.epochs.map(\.test))
        #expect(try store.runs().count == 1 && store.runs().first?.status == .finished)
        // Each epoch names the build that trained it (here both the same).
        #expect(try store.epochs(of: store.runs()[0].id).map(\.commit) == [FunnelBuild.sourceCommit, FunnelBuild.sourceCommit])
        // Resuming a finished run trains nothing and reports the stored epochs (no new row).
        let again = try Trainer(config: config, runDirectory: dir).run(resume: true)
        #expect(again.epochs.map(\.test.top1) == whole.epochs.map(\.test.top1))
        #expect(try store.runs().count == 1)
    }

    /// A resume must find the run started before: by its folder or by its record in the store (a
    /// run killed before its first checkpoint has both, and starts again). A name never started is
    /// an error naming the started run closest to it, and leaves nothing behind.
    @Test func resumingARunNeverStartedIsAnError() throws {
        let config = smallConfig(epochs: 1)
        let dir = try makeTemporaryDirectory(), elsewhere = try makeTemporaryDirectory()
        defer { for d in [dir, elsewhere] { try? FileManager.default.removeItem(at: d) } }
        let started = try Trainer(config: config, runDirectory: dir)
        try started.run(stopAfter: 0)  // a record and a folder, no epoch and no checkpoint
        try started.requireStartedRun()
        #expect(started.runName == "resnet20-relu-s0")

        let typo = try Trainer(config: config, runDirectory: dir, runName: "resnet20-rleu-s0")
        #expect(throws: TrainError.nothingToResume(name: "resnet20-rleu-s0", directory: dir.path, suggestion: "resnet20-relu-s0")) {
            try typo.requireStartedRun()
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("resnet20-rleu-s0").path))
        let unlike = try Trainer(config: config, runDirectory: dir, runName: "mobilenet-gelu-s7")
        #expect(throws: TrainError.nothingToResume(name: "mobilenet-gelu-s7", directory: dir.path, suggestion: nil)) {
            try unlike.requireStartedRun()
        }
        // Known to the store only (another run directory on a shared store), or by its folder only.
        try Trainer(config: config, runDirectory: elsewhere, store: started.store).requireStartedRun()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("copied-run"), withIntermediateDirectories: false)
        try Trainer(config: config, runDirectory: dir, runName: "copied-run").requireStartedRun()
        #expect(TrainError.nothingToResume(name: "resnet20-rleu-s0", directory: "/r", suggestion: "resnet20-relu-s0").description
                == "nothing to resume: run 'resnet20-rleu-s0' was never started here (no folder /r/resnet20-rleu-s0 and no run of that name "
                + "in the store); did you mean 'resnet20-relu-s0'? Leave out --resume to start it")
    }

    /// An earlier epoch whose row lacks a column Funnel always writes (a row from another tool) stops
    /// the resume with the run, the epoch and the column named, instead of reading it as 0.
    @Test func resumeRefusesAnEpochRowWithAnEmptyColumn() throws {
        let config = smallConfig()
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Trainer(config: config, runDirectory: dir).run(stopAfter: 1)
        let store = try RunStore(path: dir.appendingPathComponent("runs.sqlite").path)
        let run = try #require(try store.runs().first)
        var row = try #require(try store.epochs(of: run.id).first)
        row.testTop5 = nil
        try store.appendEpoch(row)
        do {
            try Trainer(config: config, runDirectory: dir).run(resume: true)
            Issue.record("a resume over an epoch row without test_top5 should have stopped")
        } catch let error as RunStoreError {
            #expect(error == .badColumn(table: "epoch", column: "test_top5", expected: "a number (Funnel writes it for every epoch)",
                                        found: "nothing, in run \(run.id) epoch 1"))
        }
        // Nothing was trained or recorded past the refused row.
        #expect(try store.epochs(of: run.id).count == 1)
    }

    /// Evaluation and attacks score the outputs against the data's labels: another data set with as
    /// many classes fits the model and was scored as if its classes were the model's.
    @Test func aCheckpointIsNotScoredOnDataWithOtherClasses() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Trainer(config: smallConfig(epochs: 1), runDirectory: dir).run()
        let checkpoint = dir.appendingPathComponent("resnet20-relu-s0/checkpoint.safetensors")
        func renamed(_ d: ImageDataset) -> ImageDataset {
            ImageDataset(name: d.name, classes: d.classes.map { "other " + $0 }, height: d.height, width: d.width, channels: d.channels,
                         pixels: d.pixels, labels: d.labels)
        }
        let other: (TrainConfig) throws -> Splits = { c in
            let splits = try Trainer.loadData(c)
            return Splits(train: renamed(splits.train), test: renamed(splits.test))
        }
        let classes = try Trainer.loadData(smallConfig()).test.classes
        #expect(throws: TrainError.classesMismatch(checkpoint: checkpoint.path, data: "synthetic", trained: classes, found: classes.map { "other " + $0 })) {
            try TrainedModel(checkpoint: checkpoint, loadData: other)
        }
        #expect(TrainError.classesMismatch(checkpoint: "c", data: "d", trained: classes, found: classes.map { "other " + $0 }).description
                == "d does not hold the classes c was trained on (class 0 is '\(classes[0])' there and 'other \(classes[0])' here): "
                + "scores against its labels would count the model's classes as others; give data with the same classes")
        // Its own data restores; so does the other, for its pictures only.
        #expect(try TrainedModel(checkpoint: checkpoint).testLoader().batchCount > 0)
        #expect(try TrainedModel(checkpoint: checkpoint, scoresLabels: false, loadData: other).splits.test.classes[0] == "other " + classes[0])
    }

    @Test func sameSeedSameNumbersAndTrainingLearns() throws {
        let a = try Trainer(config: smallConfig(epochs: 3), runDirectory: nil).run()
        let b = try Trainer(config: smallConfig(epochs: 3), runDirectory: nil).run()
        #expect(a.epochs.map(\.trainLoss) == b.epochs.map(\.trainLoss))
        // Twelve steps of SGD lower the training loss from its first-epoch value (near log 10).
        #expect(a.epochs.last!.trainLoss < a.epochs.first!.trainLoss)
    }

    @Test func nonFiniteLossStopsWithAClearMessage() throws {
        var config = smallConfig(epochs: 2)
        config.lr = 1e30
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            try Trainer(config: config, runDirectory: dir).run()
            Issue.record("training with lr 1e30 should have stopped")
        } catch let error as TrainError {
            guard case .nonFiniteLoss(let epoch, _, let loss, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(!loss.isFinite && epoch >= 1)
            #expect("\(error)".contains("training stopped"))
        }
        let store = try RunStore(path: dir.appendingPathComponent("runs.sqlite").path)
        #expect(try store.runs().first?.status == .failed)
    }

    @Test func checkpointRoundTripAndShapeErrors() throws {
        DefaultRandom.seed(1)
        let model = try Trainer.makeModel(smallConfig(), classes: 10)
        let file = SafetensorsFile(entries: ModelState.entries(of: model))
        #expect(file.entries["layer1.0.conv1.weight"]?.shape == [16, 16, 3, 3])
        #expect(file.entries["bn1.num_batches_tracked"]?.dtype == .i64)
        let other = try Trainer.makeModel(smallConfig(), classes: 10)
        try ModelState.load(file, into: other)
        #expect(other.namedParameters.map { $0.1.scalars } == model.namedParameters.map { $0.1.scalars })
        let wrong = try Trainer.makeModel(smallConfig(), classes: 100)
        #expect(throws: CheckpointError.self) { try ModelState.load(file, into: wrong) }
        do { try ModelState.load(file, into: wrong) } catch {
            #expect("\(error)".contains("linear.weight") && "\(error)".contains("[10, 64]") && "\(error)".contains("[100, 64]"))
        }
    }

    @Test func configValidationNamesTheField() throws {
        func decode(_ json: String) throws -> TrainConfig { try JSONDecoder().decode(TrainConfig.self, from: Data(json.utf8)) }
        #expect(throws: TrainError.invalidConfig(field: "optimizer", expected: "one of sgd, adam, adamw", found: "rmsprop")) {
            try decode(#"{"optimizer": "rmsprop"}"#)
        }
        #expect(throws: TrainError.invalidConfig(field: "schedule", expected: "one of multistep, cosine, constant", found: "linear")) {
            try decode(#"{"schedule": "linear"}"#)
        }
        // A typo is an error with a suggestion, never a default silently kept.
        #expect(throws: UnknownKeyError(path: [], key: "epocs", valid: TrainConfig.CodingKeys.allCases.map(\.stringValue))) {
            try decode(#"{"epocs": 1}"#)
        }
        #expect(UnknownKeyError(path: ["recipe"], key: "epocs", valid: ["epochs", "lr"]).description
                == "unknown key 'epocs' in 'recipe'; did you mean 'epochs'? (valid keys: epochs, lr)")
        var c = smallConfig()
        c.epochs = 0
        #expect(throws: TrainError.invalidConfig(field: "epochs", expected: "at least 1", found: "0")) { try c.validate() }
    }

    /// Values the optimizer and schedule would take without complaint and train on wrongly are
    /// refused, each naming its field; the edges that make sense pass.
    @Test func valuesThatWouldTrainWronglyAreRefused() throws {
        func refused(_ field: String, _ change: (inout TrainConfig) -> Void) {
            var c = smallConfig()
            change(&c)
            do {
                try c.validate()
                Issue.record("\(field): \(c) should have been refused")
            } catch let TrainError.invalidConfig(found, _, _) {
                #expect(found == field)
            } catch {
                Issue.record("\(field): wrong error \(error)")
            }
        }
        refused("momentum") { $0.momentum = 1 }
        refused("momentum") { $0.momentum = -0.1 }
        refused("weight_decay") { $0.weightDecay = -1e-4 }
        refused("weight_decay") { $0.weightDecay = .nan }
        refused("gamma") { $0.gamma = 0 }
        refused("grad_clip") { $0.gradClip = -1 }
        refused("grad_clip") { $0.gradClip = .infinity }
        refused("warmup_epochs") { $0.warmupEpochs = 2 }  // as many as the run's 2 epochs
        refused("warmup_epochs") { $0.warmupEpochs = -1 }
        refused("cutout") { $0.cutout = -3 }
        refused("milestones") { $0.milestones = [0, 1] }
        // Placements naming what the model lacks used to train ReLU there under the activation's name.
        refused("stages") { $0.act = "frelu"; $0.stages = [4] }  // ResNet-20 has 3 stages
        refused("stages") { $0.act = "frelu"; $0.stages = [] }
        refused("slots") { $0.act = "frelu"; $0.slots = .after1x1 }  // basic blocks: after 3x3 only
        refused("se") { $0.model = "mobilenet_v1_0.75"; $0.squeezeExcitation = true }
        refused("act") { $0.task = .segment; $0.model = "pixel_mlp"; $0.data = "scenes:synthetic"; $0.act = "frelu" }
        refused("stages") { $0.task = .segment; $0.model = "pixel_mlp"; $0.data = "scenes:synthetic"; $0.stages = [1] }
        var placed = smallConfig(act: "frelu")
        placed.stages = [3]; placed.slots = .after3x3
        try placed.validate()
        var edges = smallConfig()
        edges.momentum = 0; edges.weightDecay = 0; edges.warmupEpochs = 1; edges.cutout = 0; edges.gradClip = 1e-3
        try edges.validate()
    }

    /// Multistep milestones the run never reaches are valid but almost never meant: a warning
    /// says the rate will not drop there.
    @Test func milestonesPastTheLastEpochAreAWarning() {
        var c = smallConfig()
        c.schedule = .multistep
        c.epochs = 30
        #expect(c.warnings == ["multistep milestones 100, 150 at or past the last epoch (30) never lower the rate; "
                               + "it stays 0.1 throughout (set milestones, or schedule cosine or constant)"])
        c.epochs = 150
        #expect(c.warnings == ["multistep milestone 150 at or past the last epoch (150) never lowers the rate"])
        c.epochs = 151
        #expect(c.warnings.isEmpty)
        c.epochs = 30
        c.schedule = .cosine
        #expect(c.warnings.isEmpty)
    }

    /// Settings that what trains ignores are said: milestones or gamma with another schedule than
    /// multistep (`Trainer.makeSchedule`), momentum or Nesterov with Adam (`Trainer.makeOptimizer`).
    @Test func settingsTheScheduleOrOptimizerIgnoresAreAWarning() {
        var c = smallConfig()
        c.epochs = 200
        c.schedule = .cosine
        c.milestones = [60, 120]
        #expect(c.warnings == ["schedule cosine ignores milestones 60, 120 (multistep only)"])
        c.gamma = 0.2
        c.schedule = .constant
        #expect(c.warnings == ["schedule constant ignores milestones 60, 120 and gamma 0.2 (multistep only)"])
        c.schedule = .multistep
        #expect(c.warnings.isEmpty)
        c.milestones = [120, 60, 120]
        #expect(c.warnings == ["multistep milestone 120 listed more than once: the rate drops by gamma 0.2 once for each listing there (as PyTorch's MultiStepLR)"])
        // It does: 0.1, then x0.2 at 60, then x0.2 twice more at 120.
        let schedule = Trainer.makeSchedule(c, stepsPerEpoch: 1)
        let rates = [59, 60, 119, 120].map { Double(schedule.learningRate(at: $0)) }
        #expect(zip(rates, [0.1, 0.02, 0.02, 0.0008]).allSatisfy { abs($0 - $1) < 1e-7 }, "\(rates)")
        c.milestones = [60, 120]
        c.optimizer = .adam
        c.nesterov = true
        #expect(c.warnings == ["optimizer adam ignores nesterov (sgd only; Adam's betas are 0.9 and 0.999)"])
        c.momentum = 0.95
        c.optimizer = .adamw
        #expect(c.warnings == ["optimizer adamw ignores momentum 0.95 and nesterov (sgd only; Adam's betas are 0.9 and 0.999)"])
        #expect(c.warnings(unlessVarying: ["optimizer"]).isEmpty && c.warnings(unlessVarying: ["lr"]) == c.warnings)
        c.optimizer = .sgd
        #expect(c.warnings.isEmpty)
        // The defaults are the study's SGD recipe: nothing to say about them under Adam.
        var adam = TrainConfig()
        adam.optimizer = .adam
        adam.epochs = 200
        #expect(adam.warnings.isEmpty)
    }

    @Test func configDecodesPartialJSONWithDefaults() throws {
        let c = try JSONDecoder().decode(TrainConfig.self, from: Data(#"{"model": "resnet20", "epochs": 30, "schedule": "cosine"}"#.utf8))
        #expect(c.model == "resnet20" && c.epochs == 30 && c.lr == 0.1 && c.weightDecay == 5e-4 && c.batchSize == 128)
    }
}
