import Foundation
import FunnelModels
import FunnelNN
import FunnelTrain

/// What each activation costs against what it buys: parameters, FLOPs (multiply-adds of one
/// image's forward pass) and the time of a training step, beside the accuracy.
///
/// This answers the review's latency objection with numbers: FLOPs say FReLU's depthwise
/// convolution is nearly free; step time says what it costs on real hardware. Step time is the
/// runs' recorded training throughput by default, or measured afresh (`TrainBenchmark`) on
/// request, with every activation timed in the same process on the same machine.
public struct CostAccuracy: Codable, Sendable {
    /// Where step times come from.
    public enum Speed: Codable, Sendable, Hashable {
        /// The runs' recorded images per second (mean over each run's epochs).
        case recorded
        /// `TrainBenchmark.measure` with this batch and number of timed steps.
        case measured(batchSize: Int, steps: Int)
    }

    /// One (model, activation).
    public struct Row: Codable, Sendable {
        public let model: String
        public let act: String
        /// Trainable parameters of the model as trained (classes and placement from the run).
        public let parameters: Int
        /// Multiply-adds of one image's forward pass.
        public let flops: Int
        /// Training images per second: over runs (recorded) or one measurement (measured).
        public let imagesPerSecond: StoredSummary?
        /// Seconds per training step at `batchSize`.
        public let stepSeconds: Double?
        public let batchSize: Int
        /// Final test top-1 (percent) over runs.
        public let top1: StoredSummary?
    }

    public let study: ReportData.Study
    /// What `Row.top1` measures (top-1 or mIoU); nil (top-1) in analyses written before segmentation.
    public let metric: ReportData.AccuracyMetric?
    public let rows: [Row]
    public let speed: Speed
    public let baseline: String?
    /// Machines the recorded timings come from (`cpu, threads`), to say whether they compare.
    public let machines: [String]

    /// Counts and times every (model, activation) of `study`.
    /// - Parameter progress: told before each measurement.
    public init(data: ReportData, study: ReportData.Study, speed: Speed = .recorded, progress: (String) -> Void = { _ in }) throws {
        self.study = study
        self.speed = speed
        metric = data.accuracyMetric(of: study)
        baseline = data.baseline
        var rows: [Row] = []
        var machines: [String] = []
        for model in data.models(in: study) {
            for act in data.acts(in: study, model: model) {
                guard let group = data.group(study, model: model, act: act), let run = group.runs.first?.run else { continue }
                var config = group.config ?? TrainConfig.study(model: model, act: group.activationSpec, data: study.dataset)
                config.act = group.activationSpec
                config.model = model
                let classes = ReportModels.classes(config: config, checkpoint: data.checkpoint(of: run))
                let (parameters, flops) = try Self.count(config, classes: classes)
                var ips: StoredSummary?
                var step: Double?
                var batch = config.batchSize
                switch speed {
                case .recorded:
                    let values = group.imagesPerSecond
                    if !values.isEmpty {
                        let summary = StoredSummary(values)
                        ips = summary
                        step = Double(batch) / summary.mean
                    }
                    for r in group.runs {
                        let m = "\(r.run.spec.machine.cpu), \(r.run.spec.machine.threads) thread" + (r.run.spec.machine.threads == 1 ? "" : "s")
                        if !machines.contains(m) { machines.append(m) }
                    }
                case let .measured(batchSize, steps):
                    progress("timing \(model) with \(act): \(steps) steps at batch \(batchSize)")
                    let result = try TrainBenchmark.measure(model: model, act: act, batchSize: batchSize, steps: steps)
                    ips = StoredSummary([result.imagesPerSecond])
                    step = result.stepSecondsMedian
                    batch = batchSize
                }
                rows.append(Row(model: model, act: act, parameters: parameters, flops: flops, imagesPerSecond: ips,
                                stepSeconds: step, batchSize: batch, top1: group.finalAccuracy.isEmpty ? nil : StoredSummary(group.finalAccuracy)))
            }
        }
        self.rows = rows
        self.machines = machines
    }

    /// Parameters and multiply-adds of `config`'s model at its registry input size.
    public static func count(_ config: TrainConfig, classes: Int) throws -> (parameters: Int, flops: Int) {
        let entry = try Models.entry(config.model)
        let network = try DefaultRandom.seeded(0) { try Trainer.makeModel(config, classes: classes) }
        network.setMode(.inference)
        let x = Tensor.zeros([1] + entry.input)
        let flops = OpCounter.count { _ = withoutGrad { network(x) } }
        return (network.parameterCount, flops)
    }

    /// The models in row order.
    public var models: [String] {
        var out: [String] = []
        for row in rows where !out.contains(row.model) { out.append(row.model) }
        return out
    }
}
