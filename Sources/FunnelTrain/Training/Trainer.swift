import Foundation
import FunnelData
import FunnelModels
import FunnelNN

/// One epoch's metrics.
public struct EpochMetrics: Sendable, Codable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var test: Evaluation
    public var learningRate: Double
    public var seconds: Double
    public var imagesPerSecond: Double

    /// One log line: `epoch 3: train loss 1.2345 acc 56.78% | test loss ... top-1 ... top-5 ... | 12s, 900 img/s`;
    /// for segmentation `... | test loss ... mIoU ... pixel acc ... | ...` (train acc: per pixel).
    public var line: String {
        if let miou = test.meanIoU {
            return String(format: "epoch %d: train loss %.4f pixel acc %.2f%% | test loss %.4f mIoU %.2f%% pixel acc %.2f%% | lr %.4g, %@, %.0f img/s",
                          epoch, trainLoss, trainAccuracy * 100, test.loss, miou * 100, (test.pixelAccuracy ?? 0) * 100, learningRate,
                          formatDuration(seconds), imagesPerSecond)
        }
        return String(format: "epoch %d: train loss %.4f acc %.2f%% | test loss %.4f top-1 %.2f%% top-5 %.2f%% | lr %.4g, %@, %.0f img/s",
               epoch, trainLoss, trainAccuracy * 100, test.loss, test.top1 * 100, test.top5 * 100, learningRate,
               formatDuration(seconds), imagesPerSecond)
    }
}

/// What a finished run achieved.
public struct TrainingSummary: Sendable, Codable, Equatable {
    public var runName: String
    public var runID: Int64?
    public var epochs: [EpochMetrics]
    public var bestTop1: Double
    public var bestEpoch: Int
    public var finalTop1: Double
    public var finalLoss: Double
    /// Segmentation: the last epoch's and the best test mean IoU.
    public var finalMeanIoU: Double?
    public var bestMeanIoU: Double?
    public var seconds: Double
    public var parameters: Int
    /// Whether training stopped before its last epoch because it was asked to (a signal, a
    /// preempted worker); the run is `interrupted` and resumes from its checkpoint.
    public var interrupted = false
}

/// Trains one model with one activation: data, model, optimizer, schedule, evaluation every
/// epoch, an atomic checkpoint every epoch, and rows in the run store. Knows nothing of which
/// activation it trains.
public final class Trainer {
    public let config: TrainConfig
    /// Where checkpoints and the run store live; nil trains without saving anything.
    public let runDirectory: URL?
    public let runName: String
    public let experiment: String?
    /// Where the run is recorded; by default the SQLite store of `runDirectory`.
    public let store: RunStore?
    /// The worker's lease on the cell or sweep run this run trains, which fences every write.
    public let lease: WorkLease?
    let events: (TrainingEvent) -> Void

    /// - Parameters:
    ///   - store: the run store; nil opens `runs.sqlite` in `runDirectory` (none without one).
    ///   - lease: a worker's lease: the run becomes the leased row's run, and writes are fenced.
    public init(config: TrainConfig, runDirectory: URL?, runName: String? = nil, experiment: String? = nil,
                store: RunStore? = nil, lease: WorkLease? = nil, events: @escaping (TrainingEvent) -> Void = { _ in }) throws {
        try config.validate()
        self.config = config
        self.runDirectory = runDirectory
        self.runName = runName ?? "\(config.model)-\(ActivationSpec.fileSafe(config.act))-s\(config.seed)"
        self.experiment = experiment
        self.store = try store ?? runDirectory.map { try RunStore(directory: $0) }
        self.lease = lease
        self.events = events
    }

    /// The final checkpoint of this run (in `runDirectory/<run name>/`).
    public var checkpointURL: URL? { runDirectory?.appendingPathComponent(runName).appendingPathComponent("checkpoint.safetensors") }

    /// Throws `TrainError.nothingToResume` unless this run was started before: its folder is in
    /// `runDirectory`, or the store has a run of its name. `funnel train --resume` asks first, so
    /// that a mistyped name (or seed, or run directory) is an error instead of a new run from epoch
    /// 1; workers and `funnel compare` resume whatever is there. A run killed before its first
    /// checkpoint has its folder and record, and starts again from epoch 1.
    public func requireStartedRun() throws {
        var isFolder: ObjCBool = false
        if let folder = runDirectory?.appendingPathComponent(runName),
           FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue { return }
        if let store, try !store.runs(RunFilter(name: runName)).isEmpty { return }
        // Not started: the names that were, for a suggestion.
        let folders = runDirectory.map { directory in
            ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.isDirectoryKey])) ?? [])
                .filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
                .map(\.lastPathComponent)
        } ?? []
        let recorded = try store?.runs().map(\.spec.name) ?? []
        throw TrainError.nothingToResume(name: runName, directory: runDirectory?.path,
                                         suggestion: closestMatch(to: runName, in: Array(Set(folders + recorded)).sorted()))
    }

    /// Loads data from the config (cached decode).
    public static func loadData(_ config: TrainConfig) throws -> Splits {
        var splits = try DatasetLoader.load(config.data, options: DatasetLoader.Options(
            trainLimit: config.trainLimit, testLimit: config.testLimit, seed: config.seed,
            syntheticTrainCount: config.syntheticTrain, syntheticTestCount: config.syntheticTest))
        if config.task == .segment && splits.train.masks == nil {
            throw TrainError.invalidConfig(field: "data", expected: "a dataset with masks for task segment: \(DatasetLoader.scenesPrefix)ARCHIVE, "
                                           + "or a folder with train/ and test/ each holding images/ and masks/", found: config.data)
        }
        if config.coarseLabels {
            splits = Splits(train: try splits.train.withCoarseLabels(), test: try splits.test.withCoarseLabels())
        }
        return splits
    }

    /// Builds the configured model for `classes` classes from the default generator (seed first).
    public static func makeModel(_ config: TrainConfig, classes: Int) throws -> Module {
        try Models.make(ModelConfig(name: config.model, classes: classes, activation: Activations.factory(config.act), placement: config.placement,
                                    task: config.task, dilated: config.dilated))
    }

    static func makeOptimizer(_ config: TrainConfig, _ model: Module) -> Optimizer {
        switch config.optimizer {
        case .adam: Adam(model.namedParameters, learningRate: config.lr, weightDecay: config.weightDecay)
        case .adamw: Adam(model.namedParameters, learningRate: config.lr, weightDecay: config.weightDecay, decoupled: true)
        case .sgd: SGD(model.namedParameters, learningRate: config.lr, momentum: config.momentum, weightDecay: config.weightDecay, nesterov: config.nesterov)
        }
    }

    static func makeSchedule(_ config: TrainConfig, stepsPerEpoch: Int) -> any LearningRateSchedule {
        let warm = config.warmupEpochs * stepsPerEpoch
        let inner: any LearningRateSchedule
        switch config.schedule {
        case .cosine: inner = CosineSchedule(base: config.lr, totalSteps: config.epochs * stepsPerEpoch - warm)
        case .constant: inner = ConstantSchedule(config.lr)
        case .multistep: inner = MultiStepSchedule(base: config.lr, milestones: config.milestones.map { $0 * stepsPerEpoch - warm }, gamma: config.gamma)
        }
        return warm > 0 ? WarmupSchedule(steps: warm, then: inner) : inner
    }

    /// Runs training to the configured number of epochs. With `resume`, continues from this run's
    /// checkpoint (same seed: the result equals an uninterrupted run).
    /// - Parameters:
    ///   - stopAfter: stop (status `interrupted`, resumable) once this many epochs are done,
    ///     e.g. to split a long run into sessions.
    ///   - continueAfter: asked after every epoch with the history so far; returning false
    ///     ends the run there (early termination of a sweep), recorded as finished.
    ///   - shouldStop: asked after every step; true (a signal, a lost lease) ends the step, writes
    ///     a checkpoint of the epoch so far and stops as `interrupted`, resumable.
    @discardableResult
    public func run(resume: Bool = false, data: Splits? = nil, stopAfter: Int? = nil,
                    continueAfter: ([EpochMetrics]) -> Bool = { _ in true }, shouldStop: () -> Bool = { false }) throws -> TrainingSummary {
        // A generator of this run's own: runs in parallel tasks do not share a random stream.
        try DefaultRandom.seeded(config.seed) {
            try train(resume: resume, data: data, stopAfter: stopAfter, continueAfter: continueAfter, shouldStop: shouldStop)
        }
    }

    private func train(resume: Bool, data: Splits?, stopAfter: Int?, continueAfter: ([EpochMetrics]) -> Bool,
                       shouldStop: () -> Bool) throws -> TrainingSummary {
        let start = Date()
        let splits = try data ?? Trainer.loadData(config)
        let classes = splits.train.classes.count
        let model = try Trainer.makeModel(config, classes: classes)
        let normalization = Normalization(fitting: splits.train)
        let input = ModelInput(trainingSplit: splits.train, normalization: normalization)
        let trainLoader = DataLoader(splits.train, normalization: normalization, options: .init(
            batchSize: config.batchSize, mode: .train,
            augmentation: config.augment ? Augmentation(padding: 4, horizontalFlip: true, cutout: config.cutout) : .none,
            seed: config.seed))
        let testLoader = DataLoader(splits.test, normalization: normalization, options: .init(batchSize: 500, mode: .evaluation))
        let optimizer = Trainer.makeOptimizer(config, model)
        let stepsPerEpoch = trainLoader.batchCount
        let schedule = Trainer.makeSchedule(config, stepsPerEpoch: stepsPerEpoch)

        let recorder = try RunRecorder(store: store, lease: lease, directory: runDirectory, name: runName, experiment: experiment,
                                       config: config, dataset: splits.train.name, resume: resume)
        var firstEpoch = 0, partial = PartialEpoch(), firstStep = 0
        if let url = recorder.resumeURL, FileManager.default.fileExists(atPath: url.path) {
            let checkpoint = try TrainingCheckpoint(contentsOf: url)
            guard checkpoint.config == config else {
                throw TrainError.checkpointMismatch("\(url.path) was written with a different config; train under another --name or --run-dir")
            }
            try checkpoint.restore(model: model, optimizer: optimizer)
            firstEpoch = checkpoint.epoch
            firstStep = checkpoint.step
            partial = checkpoint.partial
        }
        events(.started(run: runName, parameters: model.parameterCount, trainImages: splits.train.count,
                        testImages: splits.test.count, stepsPerEpoch: stepsPerEpoch, resumedFromEpoch: firstEpoch))

        var history = try recorder.previousEpochs().filter { $0.epoch <= firstEpoch }
        let lastEpoch = min(config.epochs, stopAfter ?? config.epochs)
        var interrupted = lastEpoch < config.epochs
        do {
            for epoch in firstEpoch..<max(firstEpoch, lastEpoch) {
                let outcome = try trainEpoch(epoch, from: firstStep, partial, model, optimizer, schedule, trainLoader, testLoader,
                                             stepsPerEpoch, shouldStop: shouldStop)
                firstStep = 0
                partial = PartialEpoch()
                switch outcome {
                case let .stopped(step, sums):
                    try recorder.save(TrainingCheckpoint(epoch: epoch, step: step, partial: sums, config: config, input: input, model: model, optimizer: optimizer))
                    interrupted = true
                case let .finished(metrics):
                    history.append(metrics)
                    try recorder.record(metrics)
                    try recorder.save(TrainingCheckpoint(epoch: epoch + 1, config: config, input: input, model: model, optimizer: optimizer))
                    events(.epoch(metrics))
                }
                if case .stopped = outcome { break }
                if !continueAfter(history) { break }
                if shouldStop() {
                    interrupted = epoch + 1 < config.epochs
                    break
                }
            }
        } catch let error as RunStoreError {
            throw error  // the store refused (a lost lease) or is gone: nothing more to record there
        } catch {
            try? recorder.fail("\(error)")
            throw error
        }
        if interrupted { try recorder.interrupt() } else { try recorder.finish() }
        let best = history.max { $0.test.top1 < $1.test.top1 }
        var summary = TrainingSummary(runName: runName, runID: recorder.runID, epochs: history, bestTop1: best?.test.top1 ?? 0,
                                      bestEpoch: best?.epoch ?? 0, finalTop1: history.last?.test.top1 ?? 0,
                                      finalLoss: history.last?.test.loss ?? 0, finalMeanIoU: history.last?.test.meanIoU,
                                      bestMeanIoU: history.compactMap(\.test.meanIoU).max(), seconds: Date().timeIntervalSince(start),
                                      parameters: model.parameterCount)
        summary.interrupted = interrupted
        events(.finished(summary))
        return summary
    }

    /// How an epoch ended: all its steps and an evaluation, or stopped part-way on request.
    private enum EpochOutcome {
        case finished(EpochMetrics)
        case stopped(step: Int, PartialEpoch)
    }

    private func trainEpoch(_ epoch: Int, from firstStep: Int, _ partial: PartialEpoch, _ model: Module, _ optimizer: Optimizer,
                            _ schedule: any LearningRateSchedule, _ trainLoader: DataLoader, _ testLoader: DataLoader, _ steps: Int,
                            shouldStop: () -> Bool) throws -> EpochOutcome {
        model.setMode(.training)
        let epochStart = Date().addingTimeInterval(-partial.seconds)
        var lossSum = partial.lossSum, correct = partial.correct, seen = partial.seen, step = firstStep
        // What the accuracy counts: images, or labelled pixels in segmentation.
        var scored = partial.labelledPixels ?? partial.seen
        var lr = Double(config.lr)
        for batch in trainLoader.batches(epoch: epoch, from: firstStep) {
            lr = Double(schedule.learningRate(at: epoch * steps + step))
            optimizer.learningRate = Float(lr)
            optimizer.zeroGrad()
            let logits = model(batch.images)
            let pixels = batch.pixelLabels
            let loss = pixels.map { logits.pixelCrossEntropy(labels: $0, ignoreIndex: Int(ImageDataset.ignoreLabel)) }
                ?? logits.crossEntropy(labels: batch.labels, labelSmoothing: config.labelSmoothing)
            let value = loss.item
            guard value.isFinite else {
                let checkpoint = checkpointURL.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0.path : nil }
                throw TrainError.nonFiniteLoss(epoch: epoch + 1, step: step + 1, loss: value, checkpoint: checkpoint)
            }
            loss.backward()
            if let clip = config.gradClip { clipGradientNorm(model.parameters, maxNorm: clip) }
            optimizer.step()
            step += 1
            lossSum += Double(value) * Double(batch.labels.count)
            if let pixels {
                let counts = Evaluation.correctPixels(logits, pixels)
                correct += counts.top1
                scored += counts.labelled
            } else {
                correct += Evaluation.correct(logits, batch.labels).top1
                scored += batch.labels.count
            }
            seen += batch.labels.count
            let elapsed = Date().timeIntervalSince(epochStart)
            events(.step(epoch: epoch + 1, epochs: config.epochs, step: step, steps: steps, loss: lossSum / Double(seen), batchLoss: Double(value),
                         accuracy: Double(correct) / Double(max(1, scored)), imagesPerSecond: Double(seen) / elapsed,
                         etaSeconds: elapsed / Double(step) * Double(steps - step + (config.epochs - epoch - 1) * steps)))
            if step < steps && shouldStop() {
                return .stopped(step: step, PartialEpoch(lossSum: lossSum, correct: correct, seen: seen, seconds: elapsed,
                                                         labelledPixels: config.task == .segment ? scored : nil))
            }
        }
        let trainSeconds = Date().timeIntervalSince(epochStart)
        let test = try Evaluation.run(model, testLoader)
        return .finished(EpochMetrics(epoch: epoch + 1, trainLoss: lossSum / Double(max(1, seen)), trainAccuracy: Double(correct) / Double(max(1, scored)),
                            test: test, learningRate: lr, seconds: Date().timeIntervalSince(epochStart),
                            imagesPerSecond: Double(seen) / trainSeconds))
    }
}

extension ActivationSpec {
    /// The spec as text safe for a file name (`frelu:k=5` -> `frelu_k=5`).
    public static func fileSafe(_ spec: String) -> String {
        String(spec.map { $0.isLetter || $0.isNumber || $0 == "=" || $0 == "-" || $0 == "." ? $0 : "_" })
    }
}

extension ImageDataset {
    /// The same images labelled with their coarse (super-class) labels.
    func withCoarseLabels() throws -> ImageDataset {
        guard let coarse = coarseLabels, let names = coarseClasses else {
            throw TrainError.invalidConfig(field: "coarse_labels", expected: "a dataset with coarse labels (CIFAR-100)", found: name)
        }
        return ImageDataset(name: name + "-coarse", classes: names, height: height, width: width, channels: channels, pixels: pixels, labels: coarse)
    }
}
