import Foundation
import FunnelCharts
import FunnelModels
import FunnelNN
import FunnelStats
import FunnelTrain

/// What each activation costs against what it buys: parameters, FLOPs (multiply-adds of one
/// image's forward pass) and the time of a training step, beside the accuracy.
///
/// This answers the review's latency objection with numbers: FLOPs say FReLU's depthwise
/// convolution is nearly free; step time says what it costs on real hardware. Step time is the
/// runs' recorded training throughput by default, or measured afresh (`TrainBenchmark`) on
/// request, with every activation timed in the same process on the same machine.
public struct CostAccuracy: Sendable {
    /// Where step times come from.
    public enum Speed: Sendable, Hashable {
        /// The runs' recorded images per second (mean over each run's epochs).
        case recorded
        /// `TrainBenchmark.measure` with this batch and number of timed steps.
        case measured(batchSize: Int, steps: Int)
    }

    /// One (model, activation).
    public struct Row: Sendable {
        public let model: String
        public let act: String
        /// Trainable parameters of the model as trained (classes and placement from the run).
        public let parameters: Int
        /// Multiply-adds of one image's forward pass.
        public let flops: Int
        /// Training images per second: over runs (recorded) or one measurement (measured).
        public let imagesPerSecond: SampleSummary?
        /// Seconds per training step at `batchSize`.
        public let stepSeconds: Double?
        public let batchSize: Int
        /// Final test top-1 (percent) over runs.
        public let top1: SampleSummary?
    }

    public let study: ReportData.Study
    public let rows: [Row]
    public let speed: Speed
    public let baseline: String?
    /// Machines the recorded timings come from (`cpu, threads`), to say whether they compare.
    public let machines: [String]
    let colors: [String: Color]

    /// Counts and times every (model, activation) of `study`.
    /// - Parameter progress: told before each measurement.
    public init(data: ReportData, study: ReportData.Study, speed: Speed = .recorded, progress: (String) -> Void = { _ in }) throws {
        self.study = study
        self.speed = speed
        baseline = data.baseline
        colors = data.colors
        var rows: [Row] = []
        var machines: [String] = []
        for model in data.models(in: study) {
            for act in data.acts(in: study, model: model) {
                guard let group = data.group(study, model: model, act: act), let run = group.runs.first?.run else { continue }
                var config = group.config ?? TrainConfig.study(model: model, act: act, data: study.dataset)
                config.act = act
                config.model = model
                let classes = ReportModels.classes(config: config, checkpoint: data.checkpoint(of: run))
                let (parameters, flops) = try Self.count(config, classes: classes)
                var ips: SampleSummary?
                var step: Double?
                var batch = config.batchSize
                switch speed {
                case .recorded:
                    let values = group.imagesPerSecond
                    if !values.isEmpty {
                        let summary = SampleSummary(values)
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
                    ips = SampleSummary([result.imagesPerSecond])
                    step = result.stepSecondsMedian
                    batch = batchSize
                }
                rows.append(Row(model: model, act: act, parameters: parameters, flops: flops, imagesPerSecond: ips,
                                stepSeconds: step, batchSize: batch, top1: group.finalTop1.isEmpty ? nil : SampleSummary(group.finalTop1)))
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

    private func baselineRow(_ model: String) -> Row? {
        rows.first { $0.model == model && $0.act == baseline }
    }

    /// `value / baseline's`, nil without a baseline.
    private func ratio(_ row: Row, _ value: (Row) -> Double?) -> Double? {
        guard let base = baselineRow(row.model), let v = value(row), let b = value(base), b > 0 else { return nil }
        return v / b
    }

    private var speedWords: String {
        switch speed {
        case .recorded: "recorded during training (mean over epochs and runs)"
        case let .measured(_, steps): "measured now: median of \(steps) SGD step\(steps == 1 ? "" : "s") after 2 warm-up steps, every activation in one process"
        }
    }

    /// Every row's costs and accuracy.
    public func table() -> HTMLTable {
        let baseName = baseline.map(ReportNames.activation) ?? "baseline"
        let multipleModels = models.count > 1
        // "Best" only compares within one model; across models a column mixes unlike things.
        func best(_ b: HTMLTable.Best) -> HTMLTable.Best { multipleModels ? .none : b }
        let columns = (multipleModels ? [HTMLTable.Column("activation", alignment: .left)] : []) + [
            HTMLTable.Column("params", format: .fixed(0)),
            HTMLTable.Column("FLOPs", format: .fixed(0)),
            HTMLTable.Column("\u{00D7} \(baseName)", format: .fixed(3)),
            HTMLTable.Column("images/s", best: best(.highest), format: .fixed(0)),
            HTMLTable.Column("step (ms)", best: best(.lowest), format: .fixed(1)),
            HTMLTable.Column("\u{00D7} \(baseName)", format: .fixed(2)),
            HTMLTable.Column("top-1 (%)", best: best(.highest), format: .fixed(2)),
        ]
        let tableRows = rows.enumerated().map { index, row -> HTMLTable.Row in
            let firstOfModel = index == 0 || rows[index - 1].model != row.model
            let header = multipleModels ? (firstOfModel ? ReportNames.model(row.model) : "") : ReportNames.activation(row.act)
            let actCell: [HTMLTable.Cell] = multipleModels ? [.text(ReportNames.activation(row.act))] : []
            return HTMLTable.Row(header, actCell + [
                HTMLTable.Cell(Double(row.parameters), text: ReportFormat.count(row.parameters)),
                HTMLTable.Cell(Double(row.flops), text: ReportFormat.count(row.flops)),
                ratio(row, { Double($0.flops) }).map { HTMLTable.Cell($0) } ?? .empty,
                row.imagesPerSecond.map { HTMLTable.Cell($0.mean, spread: $0.standardDeviation) } ?? .empty,
                row.stepSeconds.map { HTMLTable.Cell($0 * 1000) } ?? .empty,
                ratio(row, { $0.stepSeconds }).map { HTMLTable.Cell($0) } ?? .empty,
                row.top1.map { HTMLTable.Cell($0.mean, spread: $0.standardDeviation) } ?? .empty,
            ], separated: index > 0 && firstOfModel)
        }
        let batches = Set(rows.map(\.batchSize)).sorted().map(String.init).joined(separator: ", ")
        return HTMLTable(
            caption: "Cost and accuracy per activation, \(study.title).", rowHeaderTitle: multipleModels ? "Model" : "Activation",
            columns: columns, rows: tableRows,
            footnote: "FLOPs: multiply-adds of convolutions and linear layers for one image (the papers' convention). "
                + "Step time at batch \(batches), \(speedWords)"
                + (machines.isEmpty ? "" : " on \(machines.joined(separator: "; "))") + ". "
                + "\u{00D7} \(baseName): the FLOPs or step time to its left over those of the same model with \(baseName). Top-1: final epoch, mean \u{00B1} std over runs.")
    }

    /// Accuracy against training throughput for one model: up and to the right is better.
    public func scatter(model: String) -> ScatterChart {
        let series = rows.filter { $0.model == model }.compactMap { row -> ScatterSeries? in
            guard let ips = row.imagesPerSecond, let top1 = row.top1 else { return nil }
            return ScatterSeries(ReportNames.activation(row.act), points: [
                ScatterPoint(x: ips.mean, y: top1.mean, label: ReportNames.activation(row.act),
                             xError: ips.standardDeviation, yError: top1.standardDeviation),
            ], color: colors[row.act], showInLegend: false)
        }
        return ScatterChart(
            title: "Accuracy against training speed", subtitle: "\(ReportNames.model(model)); up and to the right is better; bars: \u{00B1} 1 std",
            series: series, xAxis: ChartAxis("training images per second", padding: 0.12),
            yAxis: ChartAxis("final test top-1 (%)", padding: 0.15), size: ChartSize(width: 450, height: 330))
    }

    /// Parameters, FLOPs and step time relative to the baseline, per activation, for one model:
    /// where the bars part, FLOPs do not tell the cost.
    public func relativeCost(model: String) -> BarChart? {
        guard baselineRow(model) != nil else { return nil }
        let modelRows = rows.filter { $0.model == model }
        let baseName = baseline.map(ReportNames.activation) ?? "baseline"
        return BarChart(
            title: "Cost relative to \(baseName)", subtitle: "\(ReportNames.model(model)); 1 = as costly as \(baseName)",
            categories: modelRows.map { ReportNames.activation($0.act) },
            series: [
                BarSeries("parameters", values: modelRows.map { ratio($0, { Double($0.parameters) }) }, color: Palette.okabeIto[5]),
                BarSeries("FLOPs", values: modelRows.map { ratio($0, { Double($0.flops) }) }, color: Palette.okabeIto[0]),
                BarSeries("training step time", values: modelRows.map { ratio($0, { $0.stepSeconds }) }, color: Palette.okabeIto[1]),
            ],
            yAxis: ChartAxis("\u{00D7} \(baseName)", includeZero: true), size: ChartSize(width: 450, height: 330), legend: .bottom,
            references: [ReferenceLine(.horizontal(1), color: Color(hex: "#7a7a7a"), dash: .dashed)])
    }
}
