import Foundation
import FunnelCharts
import FunnelData
import FunnelNN
import FunnelStats
import FunnelTrain

/// The page `funnel report` writes: one self-contained HTML file (inline SVG, embedded CSS, no
/// scripts or external resources) about a set of runs, and every figure as its own SVG file.
///
/// Sections, each left out with a sentence saying why when its data is missing:
/// results in the paper's form with significance, learning curves, cost against accuracy, the
/// pointwise activations' shapes, inside FReLU (learned funnel kernels, where the condition is
/// taken), inside DY-ReLU (is it dynamic?), and the paper's ImageNet models' parameters and FLOPs.
public struct StudyReport {
    /// What to include and how.
    public struct Options: Sendable {
        /// Page title; nil makes one from the experiment or the run directory's name.
        public var title: String?
        /// The experiment the runs were filtered by, for the header.
        public var experiment: String?
        /// Dataset spec for the sample images in place of each run's own.
        public var data: String?
        /// Where step times come from.
        public var speed: CostAccuracy.Speed = .recorded
        /// Significance level of every test.
        public var alpha = 0.05
        /// Test images shown with FReLU's condition.
        public var sampleImages = 8
        /// Test images behind DY-ReLU's coefficient spreads (the first few are drawn).
        public var dynamicImages = 64
        /// FReLU layer of the condition maps (default: `layer1.0.act1`).
        public var freluLayer: String?
        /// Count the paper's ImageNet models (a few seconds of compute).
        public var imagenetComplexity = true
        /// Test images attacked per activation (FGSM and PGD); 0 leaves robustness out.
        public var attackImages = 0
        /// The command line, for the header.
        public var command: String?
        /// When the report was made; nil leaves the date out (reproducible pages).
        public var date: Date? = Date()
        /// The folder name the figures are written to, for the footer.
        public var figuresFolderName: String?

        public init() {}
    }

    /// A figure of the page; also written as `<name>.svg`.
    public struct NamedFigure: Sendable {
        public let name: String
        public let chart: any Chart
    }

    /// The page.
    public let page: HTMLReport
    /// Every figure of the page, in page order.
    public let figures: [NamedFigure]
    /// Sentences saying which sections were left out and why.
    public let omissions: [String]

    /// Assembles the report. Inspections that fail (a missing checkpoint or dataset, a model
    /// the probes cannot walk) become omissions, not errors.
    /// - Parameter progress: told what is being computed (model loads, timings, counts).
    /// - Throws: `ReportError.noRuns` when `data` has no usable run.
    public init(data: ReportData, options: Options = Options(), progress: @escaping (String) -> Void = { _ in }) throws {
        guard !data.groups.isEmpty else {
            let left = data.excluded.isEmpty ? "" : " (\(data.excluded.count) left out: " + data.excluded.prefix(3).map { "\($0.run.spec.name) \($0.reason)" }.joined(separator: "; ") + ")"
            let unfinished = data.excluded.contains { $0.run.status == .running || $0.run.status == .interrupted }
            throw ReportError.noRuns("no finished runs with recorded epochs in \(data.source)" + (options.experiment.map { " for experiment '\($0)'" } ?? "") + left
                + (unfinished ? "; `--include-unfinished` reports on runs still training too" : ""))
        }
        var builder = Builder(data: data, options: options, progress: progress)
        builder.build()
        figures = builder.figures
        omissions = builder.omissions
        page = builder.page()
    }

    /// `report.html` -> `report-figures` beside it.
    public static func figuresDirectory(for page: URL) -> URL {
        page.deletingPathExtension().deletingLastPathComponent()
            .appendingPathComponent(page.deletingPathExtension().lastPathComponent + "-figures")
    }

    /// Writes the page to `url` and each figure as `<figures directory>/<name>.svg`.
    /// - Returns: the files written, the page first.
    @discardableResult
    public func write(to url: URL, figuresDirectory: URL? = nil) throws -> [URL] {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try page.write(to: url)
        var written = [url]
        guard !figures.isEmpty else { return written }
        let directory = figuresDirectory ?? Self.figuresDirectory(for: url)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for figure in figures {
            let file = directory.appendingPathComponent(figure.name + ".svg")
            try figure.chart.write(to: file)
            written.append(file)
        }
        return written
    }
}

/// Builds the sections one by one, collecting figures and omissions.
private struct Builder {
    let data: ReportData
    let options: StudyReport.Options
    let progress: (String) -> Void
    var sections: [HTMLReport.Section] = []
    var figures: [StudyReport.NamedFigure] = []
    var omissions: [String] = []
    var keyFigures: [HTMLReport.KeyFigure] = []
    var results: [ReportData.Study: ResultsTable] = [:]
    var costs: [ReportData.Study: CostAccuracy] = [:]
    /// Loaded splits by dataset spec and size options, shared by the inspections.
    var splits: [String: Splits] = [:]

    init(data: ReportData, options: StudyReport.Options, progress: @escaping (String) -> Void) {
        self.data = data
        self.options = options
        self.progress = progress
    }

    /// Registers `chart` as a figure named after `name` and returns it for the page.
    mutating func figure(_ name: String, _ chart: any Chart, caption: String? = nil) -> HTMLReport.Figure {
        let slug = InlineText.slug(name)
        figures.append(StudyReport.NamedFigure(name: String(format: "%02d-", figures.count + 1) + slug, chart: chart))
        return HTMLReport.Figure(chart, caption: caption)
    }

    mutating func build() {
        for study in data.studies {
            results[study] = ResultsTable(data: data, study: study, alpha: options.alpha)
        }
        resultsSection()
        curvesSection()
        costSection()
        shapesSection()
        freluSection()
        dyreluSection()
        robustnessSection()
        complexitySection()
        keyFigures = makeKeyFigures()
    }

    func page() -> HTMLReport {
        var overview: [HTMLReport.Block] = [.paragraph(summaryText())]
        if !omissions.isEmpty {
            overview.append(.paragraph("Left out of this report:"))
            overview.append(.list(omissions))
        }
        if !data.excluded.isEmpty {
            overview.append(.paragraph("Runs not used (only finished runs enter the figures; `--include-unfinished` takes running and interrupted ones too):"))
            overview.append(.list(data.excluded.map { "`\($0.run.spec.name)` (id \($0.run.id)): \($0.reason)" }))
        }
        let name = options.experiment ?? data.runDirectory?.standardizedFileURL.lastPathComponent
        let title = options.title ?? "Activation study" + (name.map { ": \($0)" } ?? "")
        var metadata = [HTMLReport.Metadata("Runs from", data.source, isCode: true)]
        if let experiment = options.experiment { metadata.append(HTMLReport.Metadata("Experiment", experiment)) }
        if let command = options.command { metadata.append(HTMLReport.Metadata("Command", command, isCode: true)) }
        if let date = options.date {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = "yyyy-MM-dd HH:mm"
            metadata.append(HTMLReport.Metadata("Generated", formatter.string(from: date)))
        }
        var footer = "Generated by `funnel report`. Every figure and table comes from the run store above"
            + (options.imagenetComplexity ? " and from counting the models" : "") + "; nothing is fetched from the network."
        if let folder = options.figuresFolderName, !figures.isEmpty {
            footer += " The figures are also in `\(folder)/` as SVG files."
        }
        return HTMLReport(title: title, subtitle: subtitleText(), metadata: metadata, keyFigures: keyFigures,
                          sections: [HTMLReport.Section("Overview", blocks: overview)] + sections, footer: footer)
    }

    // MARK: Header

    private var actNames: [String] { data.acts.map(ReportNames.activation) }

    func subtitleText() -> String {
        let models = ReportFormat.list(data.studies.flatMap { data.models(in: $0) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.map(ReportNames.model))
        let studies = ReportFormat.list(data.studies.map(\.title))
        return "\(models) on \(studies): \(ReportFormat.list(actNames))."
    }

    func summaryText() -> String {
        let runs = data.runs
        let seeds = Set(runs.map(\.run.spec.seed)).sorted()
        let perGroup = data.groups.map(\.runs.count)
        let runsText = perGroup.min() == perGroup.max() ? "\(perGroup.first ?? 0) run" + (perGroup.first == 1 ? "" : "s") + " per configuration"
            : "\(perGroup.min() ?? 0) to \(perGroup.max() ?? 0) runs per configuration"
        var text = "\(runs.count) finished run\(runs.count == 1 ? "" : "s"): \(data.groups.count) configuration\(data.groups.count == 1 ? "" : "s") "
            + "(model \u{00D7} activation \u{00D7} dataset), \(runsText), seed\(seeds.count == 1 ? "" : "s") \(seeds.map(String.init).joined(separator: ", "))."
        if let baseline = data.baseline {
            text += " Every activation is compared with \(ReportNames.activation(baseline)), the baseline."
        }
        if perGroup.allSatisfy({ $0 < 2 }) {
            text += " With a single run per configuration, differences between activations cannot be told from seed noise: the tables give the numbers but no test can."
        }
        return text
    }

    func makeKeyFigures() -> [HTMLReport.KeyFigure] {
        var out: [HTMLReport.KeyFigure] = []
        let runs = data.runs.count
        out.append(HTMLReport.KeyFigure("Runs", value: "\(runs)", detail: "\(data.acts.count) activation\(data.acts.count == 1 ? "" : "s"), \(data.groups.count) configuration\(data.groups.count == 1 ? "" : "s")"))
        if let study = data.studies.first, let table = results[study] {
            let best = table.entries.compactMap { e in e.top1.map { (e, $0) } }.max { $0.1.mean < $1.1.mean }
            if let (entry, summary) = best {
                var detail = "\(ReportNames.activation(entry.act)), \(ReportNames.model(entry.model)), \(ReportNames.dataset(study.dataset))"
                let tied = (table.top1Rankings[entry.model]?.tiedWithBest.count ?? 1) - 1
                if tied > 0 { detail += "; not significantly above \(tied) other\(tied == 1 ? "" : "s")" }
                out.append(HTMLReport.KeyFigure("Best mean top-1", value: String(format: "%.2f%%", summary.mean), detail: detail))
            }
        }
        if data.baseline != nil {
            let comparisons = results.values.flatMap(\.entries).filter { $0.act != data.baseline }
            let tested = comparisons.compactMap(\.top1VersusBaseline)
            if tested.isEmpty {
                out.append(HTMLReport.KeyFigure("Significant vs \(ReportNames.activation(data.baseline!))", value: "untested",
                                                detail: "fewer than two runs per configuration"))
            } else {
                out.append(HTMLReport.KeyFigure("Significant vs \(ReportNames.activation(data.baseline!))",
                                                value: "\(tested.filter(\.isSignificant).count) of \(comparisons.count)",
                                                detail: "top-1, Welch's t-test, Holm-corrected"))
            }
        }
        if let study = data.studies.first, let cost = costs[study], let baseline = data.baseline {
            for row in cost.rows where row.act != baseline && ActivationKind.of(row.act) == .frelu {
                if let base = cost.rows.first(where: { $0.model == row.model && $0.act == baseline }),
                   let s = row.stepSeconds, let b = base.stepSeconds, b > 0 {
                    out.append(HTMLReport.KeyFigure("FReLU training step", value: String(format: "%.2f\u{00D7}", s / b),
                                                    detail: "\(ReportNames.activation(baseline))'s, " + String(format: "for %.2f\u{00D7} the FLOPs", Double(row.flops) / Double(max(1, base.flops)))))
                    break
                }
            }
        }
        return out
    }

    // MARK: Sections

    mutating func resultsSection() {
        var blocks: [HTMLReport.Block] = []
        let multipleStudies = data.studies.count > 1
        for study in data.studies {
            guard let table = results[study] else { continue }
            if multipleStudies { blocks.append(.heading(study.title)) }
            blocks.append(.table(table.table()))
            for model in table.models {
                let sentences = table.rankingSentences(model: model)
                guard !sentences.isEmpty else { continue }
                let prefix = table.models.count > 1 ? "\(ReportNames.model(model)): " : ""
                blocks.append(.paragraph(prefix + sentences.joined(separator: " ")))
                if table.top1Rankings[model]?.entries.contains(where: { $0.summary.count >= 2 }) == true {
                    blocks.append(.table(table.significanceTable(model: model)))
                }
            }
        }
        sections.append(HTMLReport.Section("Results", blocks: blocks))
    }

    mutating func curvesSection() {
        var blocks: [HTMLReport.Block] = [
            .paragraph("Test accuracy and loss after every epoch. Lines are means over seeds; where two or more runs cover an epoch, the band spans \u{00B1} one standard deviation."),
        ]
        for study in data.studies {
            for model in data.models(in: study) {
                let curves = LearningCurves(data: data, study: study, model: model)
                let id = "\(study.dataset) \(model)"
                let caption = "\(ReportNames.model(model)) on \(study.title): test top-1 (left) and test loss (right) per epoch"
                    + (curves.hasBands ? ", mean \u{00B1} one standard deviation over seeds." : "; one run per activation, so no band.")
                blocks.append(.figureRow([figure("curves accuracy \(id)", curves.accuracyChart()), figure("curves loss \(id)", curves.lossChart())],
                                         caption: caption))
            }
        }
        sections.append(HTMLReport.Section("Learning curves", blocks: blocks))
    }

    mutating func costSection() {
        var blocks: [HTMLReport.Block] = []
        for study in data.studies {
            let cost: CostAccuracy
            do {
                cost = try CostAccuracy(data: data, study: study, speed: options.speed, progress: progress)
            } catch {
                omissions.append("Cost against accuracy for \(study.title): \(error)")
                continue
            }
            costs[study] = cost
            if data.studies.count > 1 { blocks.append(.heading(study.title)) }
            blocks.append(.table(cost.table()))
            for model in cost.models {
                blocks.append(.list(costSentences(cost, model: model)))
                var row = [figure("cost scatter \(study.dataset) \(model)", cost.scatter(model: model))]
                if let bars = cost.relativeCost(model: model) { row.append(figure("cost relative \(study.dataset) \(model)", bars)) }
                blocks.append(.figureRow(row, caption: "\(ReportNames.model(model)): final accuracy against training throughput (left)"
                    + (row.count > 1 ? "; parameters, FLOPs and step time relative to \(ReportNames.activation(data.baseline ?? "")) (right)." : ".")))
            }
        }
        if case .recorded = options.speed, !blocks.isEmpty {
            blocks.append(.note("Step times here were recorded while the runs trained, so they carry whatever else the machine was doing then. "
                + "`funnel report --measure-speed` times every activation afresh, one after another in one process."))
        }
        guard !blocks.isEmpty else { return }
        sections.append(HTMLReport.Section("Cost against accuracy", blocks: [
            .paragraph("The review's objection to FReLU is latency: a depthwise convolution adds few FLOPs but runs slowly on real hardware. "
                + "Here are parameters and FLOPs beside the measured time of a training step."),
        ] + blocks))
    }

    func costSentences(_ cost: CostAccuracy, model: String) -> [String] {
        guard let baseline = data.baseline, let base = cost.rows.first(where: { $0.model == model && $0.act == baseline }) else { return [] }
        return cost.rows.filter { $0.model == model && $0.act != baseline }.map { row in
            var text = "**\(ReportNames.activation(row.act))**: "
            if row.parameters == base.parameters && row.flops == base.flops {
                text += "the same parameters and FLOPs"
            } else {
                text += ReportFormat.signed(Self.percent(row.parameters, base.parameters), decimals: 1) + "% parameters, "
                    + ReportFormat.signed(Self.percent(row.flops, base.flops), decimals: 1) + "% FLOPs"
            }
            if let s = row.stepSeconds, let b = base.stepSeconds, b > 0 {
                text += String(format: ", a training step %.2f\u{00D7} as long as %@'s", s / b, ReportNames.activation(baseline))
            }
            if let a = row.top1, let b = base.top1 {
                text += ", top-1 " + ReportFormat.signed(a.mean - b.mean) + " points"
                let comparison = results[cost.study]?.entry(model: model, act: row.act)?.top1VersusBaseline
                if let comparison {
                    text += comparison.isSignificant ? " (significant, \(ReportFormat.pEquals(comparison.adjustedPValue)))"
                        : " (not significant, \(ReportFormat.pEquals(comparison.adjustedPValue)))"
                } else {
                    text += " (untested: single runs)"
                }
            }
            return text + "."
        }
    }

    static func percent(_ value: Int, _ base: Int) -> Double {
        base > 0 ? (Double(value) / Double(base) - 1) * 100 : 0
    }

    mutating func shapesSection() {
        let pointwise = data.acts.filter { ActivationKind.of($0) == .pointwise }
        let others = data.acts.filter { ActivationKind.of($0) != .pointwise }.map(ReportNames.activation)
        guard !pointwise.isEmpty else {
            omissions.append("Activation shapes: none of the runs' activations is pointwise (\(ReportFormat.list(others))), so none has a single curve to draw.")
            return
        }
        do {
            // In the activations' report colours, named as elsewhere in the report.
            let sheet = try ActivationSheet.make(specs: pointwise, colors: data.colors, title: ReportNames.activation,
                                                 panelSize: ChartSize(width: 225, height: 180))
            var blocks: [HTMLReport.Block] = [
                .figure(figure("activation shapes", sheet, caption: "The pointwise activations of these runs, with their derivatives, from Funnel's own forward and backward passes.")),
            ]
            if !others.isEmpty {
                blocks.append(.paragraph("\(ReportFormat.list(others)) \(others.count == 1 ? "is" : "are") not pointwise: the output at a position depends on its neighbours (FReLU) or on the whole input (DY-ReLU), so there is no single curve; the sections below look inside trained models instead."))
            }
            sections.append(HTMLReport.Section("Activation shapes", blocks: blocks))
        } catch {
            omissions.append("Activation shapes: \(error)")
        }
    }

    /// The first run of an activation kind that has a checkpoint.
    func inspectionRun(_ kind: ActivationKind) -> (ReportData.Group, RunRecord, URL)? {
        for group in data.groups where ActivationKind.of(group.act) == kind {
            for detail in group.runs {
                if let url = data.checkpoint(of: detail.run) { return (group, detail.run, url) }
            }
        }
        return nil
    }

    mutating func sample(_ checkpoint: URL, count: Int) throws -> InspectionSample {
        try InspectionSample.load(checkpoint: checkpoint, data: options.data, count: count) { try loadData($0) }
    }

    /// The splits `config` trains on, loaded once per dataset spec and size options for the whole
    /// report (inspections and attacks restore several models of one data set).
    mutating func loadData(_ config: TrainConfig) throws -> Splits {
        let key = [config.data, "\(config.trainLimit ?? -1)", "\(config.testLimit ?? -1)", "\(config.seed)",
                   "\(config.syntheticTrain)", "\(config.syntheticTest)", "\(config.coarseLabels)"].joined(separator: "|")
        if let hit = splits[key] { return hit }
        progress("loading \(config.data)")
        let loaded = try Trainer.loadData(config)
        splits[key] = loaded
        return loaded
    }

    func runText(_ group: ReportData.Group, _ run: RunRecord) -> String {
        "run `\(run.spec.name)` (\(ReportNames.model(group.model)), \(group.study.title), seed \(run.spec.seed))"
    }

    mutating func freluSection() {
        guard data.acts.contains(where: { ActivationKind.of($0) == .frelu }) else {
            omissions.append("Inside FReLU: no FReLU run among these runs.")
            return
        }
        guard let (group, run, url) = inspectionRun(.frelu) else {
            omissions.append("Inside FReLU: no FReLU run has a checkpoint file (looked for `<run>/checkpoint.safetensors` under \(data.runDirectory?.path ?? "the run directory")).")
            return
        }
        progress("FReLU: \(run.spec.name)")
        var blocks: [HTMLReport.Block] = [
            .paragraph("FReLU is `max(x, T(x))` with the funnel condition `T(x) = BN(DWConv(x))`: each channel looks at its 3\u{00D7}3 neighbourhood. "
                + "What follows comes from \(runText(group, run))."),
        ]
        do {
            let kernels = try FReLUKernels(file: SafetensorsFile(contentsOf: url))
            if kernels.layers.isEmpty {
                blocks.append(.paragraph("Its checkpoint has no `conv_frelu` weights (a FReLU variant without a learned depthwise kernel), so there are no kernels to draw."))
            } else {
                let folded = kernels.layers.allSatisfy(\.foldedNorm)
                blocks.append(.heading("Learned funnel kernels"))
                blocks.append(.figure(figure("frelu mean kernels", kernels.meanKernelGrid(),
                    caption: "The mean 3\u{00D7}3 kernel of each of the \(kernels.layers.count) FReLU layers"
                        + (folded ? ", with the condition's batch norm folded in (the kernel T(x) actually applies, up to a shift)." : ".")
                        + " Weight in the centre means the condition mostly rescales x itself; weight off the centre means it draws on the neighbours.")))
                blocks.append(.figure(figure("frelu channel kernels", kernels.channelGrid(),
                    caption: "Single channels: the largest kernels of the first, a middle and the last FReLU layer, each scaled to its largest weight.")))
            }
        } catch {
            blocks.append(.paragraph("The kernels could not be read: \(error)."))
        }
        do {
            let sample = try sample(url, count: options.sampleImages)
            let condition = try FReLUCondition(sample: sample, layer: options.freluLayer)
            blocks.append(.heading("Where the condition is taken"))
            let overall = condition.shares.map(\.share).reduce(0, +) / Double(max(1, condition.shares.count))
            blocks.append(.paragraph(String(format: "Where T(x) > x, FReLU outputs the condition instead of x. Over these %d test images, that happens at %.0f%% of positions on average over layers (from %.0f%% to %.0f%%).",
                                            condition.pictures.count, overall * 100, (condition.shares.map(\.share).min() ?? 0) * 100, (condition.shares.map(\.share).max() ?? 0) * 100)))
            blocks.append(.figure(figure("frelu condition share", condition.shareChart(),
                caption: "Share of positions where FReLU outputs T(x) rather than x, per layer, in inference mode.")))
            blocks.append(.figure(figure("frelu condition overlay", condition.overlays(),
                caption: "Test images, and below each the pixels where most channels of `\(condition.layer)` take the condition (orange).")))
            blocks.append(.figure(figure("frelu condition fraction", condition.fractionTiles(),
                caption: "The same, as the share of channels that take the condition at each pixel of `\(condition.layer)`.")))
        } catch {
            omissions.append("Inside FReLU, where the condition is taken: \(error)")
        }
        sections.append(HTMLReport.Section("Inside FReLU", blocks: blocks))
    }

    mutating func dyreluSection() {
        guard data.acts.contains(where: { ActivationKind.of($0) == .dyrelu }) else {
            omissions.append("Inside DY-ReLU: no DY-ReLU run among these runs.")
            return
        }
        guard let (group, run, url) = inspectionRun(.dyrelu) else {
            omissions.append("Inside DY-ReLU: no DY-ReLU run has a checkpoint file.")
            return
        }
        progress("DY-ReLU: \(run.spec.name)")
        do {
            let sample = try sample(url, count: options.dynamicImages)
            let inspection = try DyReLUInspection(sample: sample)
            sections.append(HTMLReport.Section("Inside DY-ReLU", blocks: [
                .paragraph("DY-ReLU computes `max_k(a\u{1D4F}(x)\u{00B7}x + b\u{1D4F}(x))` with coefficients that a small network reads off the whole input. "
                    + "If they barely change between images, every image's points fall on one curve and the layer is just a fixed piecewise-linear function. "
                    + "From \(runText(group, run)), in inference mode."),
                .figure(figure("dyrelu dynamic", inspection.chart(),
                                caption: "Output against input of one channel per block, for \(inspection.captions.count) test images (one colour each). Separate lines per colour mean the activation changes with the image.")),
                .table(inspection.table()),
                .paragraph(dynamicSummary(inspection)),
            ]))
        } catch {
            omissions.append("Inside DY-ReLU: \(error)")
        }
    }

    func dynamicSummary(_ inspection: DyReLUInspection) -> String {
        let spreads = inspection.blocks.flatMap(\.slopeSpread)
        let widest = inspection.blocks.max { ($0.slopeRange.upperBound - $0.slopeRange.lowerBound) < ($1.slopeRange.upperBound - $1.slopeRange.lowerBound) }
        var text = String(format: "Over %d test images, a typical channel's slopes vary by a standard deviation of %.3f to %.3f between images, depending on the layer",
                          inspection.imageCount, spreads.min() ?? 0, spreads.max() ?? 0)
        if let widest {
            text += String(format: "; the most variable channel drawn (%@, channel %d) has a\u{00B9} from %.2f to %.2f", widest.path, widest.channel,
                           widest.slopeRange.lowerBound, widest.slopeRange.upperBound)
        }
        return text + ". Slopes start at 1 and 0 for every image, so these spreads are what training made dynamic."
    }

    mutating func robustnessSection() {
        guard options.attackImages > 0 else { return }  // opt-in: attacks cost a forward and backward per step
        do {
            let table = try RobustnessTable(data: data, images: options.attackImages, dataset: options.data, loadData: { try loadData($0) }, progress: progress)
            guard !table.rows.isEmpty else {
                omissions.append("Robustness: no run has a checkpoint to attack.")
                return
            }
            sections.append(HTMLReport.Section("Robustness", blocks: [
                .paragraph("The review suggests that a non-smooth activation such as FReLU may be less robust to adversarial examples than smooth ones. "
                    + "Each activation's model is attacked on the same test images with the same budget."),
                .table(table.table()),
            ]))
        } catch {
            omissions.append("Robustness: \(error)")
        }
    }

    mutating func complexitySection() {
        guard options.imagenetComplexity else {
            omissions.append("ImageNet models' parameters and FLOPs: not counted (turned off).")
            return
        }
        do {
            let table = try ComplexityTable.measure(progress: progress)
            sections.append(HTMLReport.Section("The paper's ImageNet models", blocks: [
                .paragraph("Parameters and FLOPs of the FReLU paper's ImageNet models, built by Funnel and counted on one 224\u{00D7}224 image, beside the figures the paper prints."),
                .table(table.table()),
                .list(table.matchingNotes()),
            ]))
        } catch {
            omissions.append("ImageNet models' parameters and FLOPs: \(error)")
        }
    }
}

/// What sort of activation a spec names: the report looks inside FReLU and DY-ReLU models and
/// draws curves of pointwise ones.
enum ActivationKind: Equatable {
    case pointwise, frelu, dyrelu, other

    static func of(_ spec: String) -> ActivationKind {
        guard let parsed = try? ActivationSpec(parsing: spec),
              let entry = Activations.all.first(where: { $0.name == parsed.name || $0.aliases.contains(parsed.name) }) else { return .other }
        if entry.name == "frelu" { return .frelu }
        if entry.name == "dyrelu" { return .dyrelu }
        return entry.isPointwise ? .pointwise : .other
    }
}
