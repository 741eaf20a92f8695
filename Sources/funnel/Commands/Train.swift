import ArgumentParser
import Foundation
import FunnelInterop
import FunnelModels
import FunnelTrain

extension TrainConfig.Optimizer: ExpressibleByArgument {}
extension TrainConfig.Schedule: ExpressibleByArgument {}
extension Placement.Slots: ExpressibleByArgument {}
extension ModelTask: ExpressibleByArgument {}

/// Training options shared by `funnel train` and `funnel compare`; they fill a `TrainConfig`.
struct TrainOptions: ParsableArguments {
    @Option(help: "Model (see `funnel models`).") var model: String?
    @Option(help: "Dataset: `synthetic`, a CIFAR binary folder, an image folder, a .tar/.tar.gz archive, or scenes:<one of these> (segmentation scenes made from its images).") var data: String?
    @Option(help: "classify | segment (per-pixel classes; --model is the backbone, or pixel_mlp; data needs masks).") var task: ModelTask?
    @Flag(help: "Segmentation: dilate the backbone's last stage instead of striding it.") var dilated = false
    @Option(help: "Epochs (study: 200).") var epochs: Int?
    @Option(name: .customLong("batch-size"), help: "Batch size (study: 128).") var batchSize: Int?
    @Option(help: "sgd | adam | adamw (study: sgd).") var optimizer: TrainConfig.Optimizer?
    @Option(help: "Learning rate (study: 0.1).") var lr: Float?
    @Option(help: "SGD momentum (study: 0.9).") var momentum: Float?
    @Flag(help: "Nesterov momentum.") var nesterov = false
    @Option(name: .customLong("weight-decay"), help: "Weight decay (study: 5e-4).") var weightDecay: Float?
    @Option(help: "multistep | cosine | constant (study: multistep at epochs 100, 150).") var schedule: TrainConfig.Schedule?
    @Option(help: "Multistep milestones in epochs, comma-separated.") var milestones: String?
    @Option(name: .customLong("warmup-epochs"), help: "Linear warm-up epochs.") var warmupEpochs: Int?
    @Option(name: .customLong("label-smoothing"), help: "Label smoothing epsilon.") var labelSmoothing: Float?
    @Option(help: "Random seed.") var seed: UInt64?
    @Option(name: .customLong("train-limit"), help: "Use only this many training images (stratified).") var trainLimit: Int?
    @Option(name: .customLong("test-limit"), help: "Use only this many test images.") var testLimit: Int?
    @Option(help: "Cutout size (0: off).") var cutout: Int?
    @Flag(name: .customLong("no-augment"), help: "Disable random crop and flip.") var noAugment = false
    @Flag(name: .customLong("coarse-labels"), help: "CIFAR-100 coarse (20-class) labels.") var coarseLabels = false
    @Option(help: "Stages that use the activation, e.g. 2,3 (others keep ReLU).") var stages: String?
    @Option(help: "Bottleneck slots: all | after1x1 | after3x3.") var slots: Placement.Slots?
    @Flag(help: "Add squeeze-and-excitation blocks.") var se = false
    @Option(name: .customLong("grad-clip"), help: "Clip the gradient norm.") var gradClip: Float?
    @Option(name: .customLong("synthetic-train"), help: "Training images of a generated dataset (synthetic, scenes:).") var syntheticTrain: Int?
    @Option(name: .customLong("synthetic-test"), help: "Test images of a generated dataset (synthetic, scenes:).") var syntheticTest: Int?

    /// Applies the given options over `base`.
    func config(_ base: TrainConfig) throws -> TrainConfig {
        var c = base
        if let model { c.model = model }; if let data { c.data = data }; if let epochs { c.epochs = epochs }
        if let batchSize { c.batchSize = batchSize }; if let optimizer { c.optimizer = optimizer }; if let lr { c.lr = lr }
        if let momentum { c.momentum = momentum }; if nesterov { c.nesterov = true }; if let weightDecay { c.weightDecay = weightDecay }
        if let schedule { c.schedule = schedule }; if let warmupEpochs { c.warmupEpochs = warmupEpochs }
        if let milestones { c.milestones = try integers(milestones, option: "milestones", example: "100,150") }
        if let labelSmoothing { c.labelSmoothing = labelSmoothing }; if let seed { c.seed = seed }
        if let trainLimit { c.trainLimit = trainLimit }; if let testLimit { c.testLimit = testLimit }; if let cutout { c.cutout = cutout }
        if noAugment { c.augment = false }; if coarseLabels { c.coarseLabels = true }
        if let stages { c.stages = try integers(stages, option: "stages", example: "2,3") }
        if let slots { c.slots = slots }; if se { c.squeezeExcitation = true }; if let gradClip { c.gradClip = gradClip }
        if let syntheticTrain { c.syntheticTrain = syntheticTrain }; if let syntheticTest { c.syntheticTest = syntheticTest }
        if let task { c.task = task }; if dilated { c.dilated = true }
        try c.validate()
        return c
    }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model with an activation; logs every epoch, checkpoints, records the run.",
        discussion: "Defaults are the reproducibility study's recipe (ResNet-18, SGD 0.9, lr 0.1, wd 5e-4, batch 128, 200 epochs, x0.1 at 100 and 150).")

    @Option(help: "Activation spec (see `funnel acts`).") var act = "relu"
    @OptionGroup var options: TrainOptions
    @OptionGroup var location: RunLocation<TrainRunDirectory>
    @Option(help: "Run name (default: model-act-s<seed>).") var name: String?
    @Flag(help: "Continue this run from its last checkpoint (a run never started in this run directory or store is an error).") var resume = false
    @Flag(name: .customLong("start-or-resume"), help: "Continue this run if it was started, else start it: for a job script that is requeued.")
    var startOrResume = false
    @Flag(help: "Print the summary as JSON on standard output.") var json = false
    @Option(name: .customLong("tensorboard-every"), help: "Log the training loss to TensorBoard (<run-dir>/<name>/tb) every N steps; 0: per epoch only.")
    var tensorboardEvery = 50
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard tensorboardEvery >= 0 else { throw ValidationError("--tensorboard-every \(tensorboardEvery): expected a number of steps, or 0 for none") }
        guard !(resume && startOrResume) else { throw ValidationError("--resume and --start-or-resume: give one (--resume refuses a run never started)") }
    }

    func run() throws {
        compute.apply()
        var base = TrainConfig()
        base.act = act
        let config = try options.config(base)
        for warning in config.warnings { note("warning: \(warning)") }
        let printer = ProgressPrinter()
        let runDirectory = location.runDirectoryURL
        let tensorBoard = TensorBoardLogger(runDirectory: runDirectory, config: config, options: .init(stepInterval: tensorboardEvery))
        let trainer = try Trainer(config: config, runDirectory: runDirectory, runName: name,
                                  store: try location.open(mustExist: resume), events: tensorBoard.handler(passingTo: printer.handle))
        if resume { try trainer.requireStartedRun() }
        let stop = StopRequest()
        stop.catchSignals()
        let summary = try trainer.run(resume: resume || startOrResume, shouldStop: { stop.isRequested })
        if let why = stop.requested, summary.interrupted {
            let when = summary.epochs.last.map { "after epoch \($0.epoch)" } ?? "in epoch 1"
            throw TrainError.stopped(signal: why, when: when)
        }
        if json { try printJSON(summary) }
    }
}
