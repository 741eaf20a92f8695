import ArgumentParser
import Foundation
import FunnelLab

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an HTML report of a run directory: results with significance, curves, cost, inside FReLU and DY-ReLU.",
        discussion: """
            One self-contained HTML file (inline SVG, no network), plus every figure as an SVG file with \
            its data as CSV in <out>-figures/ beside it, and every number of the page in \
            <out>-analysis.json. Sections without data (no FReLU run, no checkpoint) are left out with a \
            sentence saying why. --from-analysis draws the page again from such a JSON file, without \
            the runs.
            """)

    @OptionGroup var location: RunLocation<ReportRunDirectory>
    @Option(help: ArgumentHelp("Draw the page from this analysis (the <page>-analysis.json a report wrote) instead of computing it from runs.",
                               valueName: "json"))
    var fromAnalysis: String?
    @Option(help: "Output HTML file.") var out = "report.html"
    @Option(help: "Only runs of this experiment.") var experiment: String?
    @Option(help: "Dataset for the sample images (default: each run's own).") var data: String?
    @Option(help: "Baseline activation every other is tested against (default: relu, where there are ReLU runs).") var baseline: String?
    @Option(help: "Page title (default from the experiment).") var title: String?
    @Option(help: "FReLU layer of the condition maps, e.g. layer2.0.act1 (default layer1.0.act1).") var freluLayer: String?
    @Flag(help: "Time a training step of every activation now (TrainBenchmark) instead of using the runs' recorded images/s.")
    var measureSpeed = false
    @Option(help: "Timed steps per activation with --measure-speed.") var speedSteps = 10
    @Option(help: "Batch size with --measure-speed.") var speedBatch = 128
    @Flag(help: "Also use runs still running or interrupted (failed runs never count).") var includeUnfinished = false
    @Flag(help: "Skip counting the paper's ImageNet models (a few seconds).") var skipImagenet = false
    @Option(help: "Attack this many test images per activation with FGSM and PGD (8/255) for a robustness table; 0: off.") var attackImages = 0
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        try requireAtLeast(1, speedSteps, "speed-steps")
        try requireAtLeast(2, speedBatch, "speed-batch", because: "batch norm needs two samples")
        try requireAtLeast(0, attackImages, "attack-images", because: "0: off")
        guard out.lowercased().hasSuffix(".html") || out.lowercased().hasSuffix(".htm") else {
            throw ValidationError("--out '\(out)': expected an .html file")
        }
        if let fromAnalysis {
            // The analysis was computed already: options that shape the computing would be ignored.
            let computing: [(String, Bool)] = [
                ("--run-dir", location.runDir != nil), ("--store", location.store != nil), ("--experiment", experiment != nil), ("--data", data != nil),
                ("--title", title != nil), ("--baseline", baseline != nil), ("--frelu-layer", freluLayer != nil), ("--measure-speed", measureSpeed),
                ("--include-unfinished", includeUnfinished), ("--skip-imagenet", skipImagenet), ("--attack-images", attackImages != 0),
            ]
            if let given = computing.first(where: \.1) {
                throw ValidationError("\(given.0) with --from-analysis \(fromAnalysis): the page is drawn from the analysis as it was computed; "
                                      + "compute a new one from the runs instead")
            }
        } else {
            guard location.runDir != nil else { throw ValidationError("Missing expected argument '--run-dir <run-dir>' (or --from-analysis <json>)") }
        }
    }

    func run() throws {
        compute.apply()
        let page = try outputFile(out)
        let analysis = try fromAnalysis.map { try StudyAnalysis.load(from: URL(fileURLWithPath: $0)) } ?? computeAnalysis()
        let analysisFile = StudyAnalysis.file(for: page)
        let figures = StudyReport.figuresDirectory(for: page)
        let report = StudyReport(analysis: analysis, figuresFolderName: figures.lastPathComponent, analysisFileName: analysisFile.lastPathComponent)
        try analysis.write(to: analysisFile)
        try report.write(to: page)
        for omission in report.omissions { note("left out: \(omission)") }
        print("wrote \(page.path), \(analysisFile.path) and \(report.figures.count) figures (SVG and CSV) in \(figures.path)/")
    }

    /// Computes the analysis of the runs: loads data, restores, attacks and counts models.
    func computeAnalysis() throws -> StudyAnalysis {
        let store = try location.location()
        try location.requireExisting(store)
        let runData = try ReportData.load(runDirectory: location.runDirectoryURL, store: store, experiment: experiment, baseline: baseline ?? "relu",
                                          includeUnfinished: includeUnfinished)
        // A baseline asked for by name and not found would leave the page testing nothing against it.
        if let baseline, runData.baseline == nil {
            throw ValidationError("--baseline '\(baseline)': no run of this report has it; its activations: " + runData.acts.joined(separator: ", "))
        }
        var options = StudyAnalysis.Options()
        options.title = title
        options.experiment = experiment
        options.data = data
        options.freluLayer = freluLayer
        options.imagenetComplexity = !skipImagenet
        options.attackImages = attackImages
        options.speed = measureSpeed ? .measured(batchSize: speedBatch, steps: speedSteps) : .recorded
        options.command = (["funnel"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        return try StudyAnalysis(data: runData, options: options, progress: note)
    }
}
