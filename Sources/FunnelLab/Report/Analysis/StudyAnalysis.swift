import Foundation
import FunnelTrain

/// Everything `funnel report` found out about a set of runs, computed once: results with their
/// statistics, learning curves, costs, the activations' shapes, what is inside trained FReLU and
/// DY-ReLU models, a segmentation model's predicted masks, robustness, and the paper's ImageNet
/// models' counts.
///
/// Computing it (``init(data:options:progress:)``) does all the work: it loads data, restores
/// checkpoints, runs the models, attacks them, counts FLOPs and times steps. The page
/// (``StudyReport``) is drawn from this value alone, and the value is written beside the page as
/// JSON (``write(to:)``), so a page can be drawn again from the file without the runs.
///
/// A section that could not be computed is absent (nil or missing from its list) and
/// ``omissions`` says why, in page order.
public struct StudyAnalysis: Codable, Sendable {
    /// The version of this layout; a file of another version is refused when read.
    public static let formatVersion = 1

    /// What the page's header says.
    public struct Header: Codable, Sendable {
        public let title: String
        /// Where the runs came from (the store's path or URL).
        public let source: String
        /// The experiment the runs were filtered by.
        public let experiment: String?
        /// The command line that computed this analysis.
        public let command: String?
        /// When it was computed, to the second; nil leaves the date out (reproducible pages).
        public let date: Date?
        /// Whether the paper's ImageNet models were to be counted.
        public let imagenetComplexity: Bool
    }

    /// How many runs stand behind the figures.
    public struct RunFacts: Codable, Sendable {
        /// Runs used.
        public let runs: Int
        /// Their seeds, ascending.
        public let seeds: [Int]
        /// Runs per configuration (study × model × activation), in configuration order.
        public let runsPerConfiguration: [Int]
    }

    /// A Funnel build that trained some of the runs used: the commit the runs recorded (the one that
    /// started a run, and any that trained its later epochs after a resume), and how many runs it
    /// trained a part of.
    public struct TrainingBuild: Codable, Sendable, Hashable {
        /// The commit of the Funnel sources built (`-dirty`: with uncommitted edits); nil: the
        /// runs recorded none.
        public let commit: String?
        public let runs: Int

        /// The builds of `runs`, most runs first (then by commit, none recorded last).
        static func of(_ runs: [RunDetail]) -> [TrainingBuild] {
            Dictionary(grouping: runs.flatMap(\.builds), by: { $0 }).map { TrainingBuild(commit: $0.key, runs: $0.value.count) }.sorted { a, b in
                if a.runs != b.runs { return a.runs > b.runs }
                switch (a.commit, b.commit) {
                case let (x?, y?): return x < y
                case (_?, nil): return true
                default: return false
                }
            }
        }

        /// `1cb1678de345 (20 runs)`, `none recorded (1 run)`.
        var label: String { (commit ?? "none recorded") + " (\(runs) run\(runs == 1 ? "" : "s"))" }
    }

    /// A run the analysis did not use.
    public struct ExcludedRun: Codable, Sendable, Hashable {
        public let name: String
        public let id: Int64
        public let reason: String
    }

    public let formatVersion: Int
    public let header: Header
    public let facts: RunFacts
    /// Studies in order of their first run.
    public let studies: [ReportData.Study]
    /// Activations in report order: the baseline first, then by first run.
    public let acts: [String]
    /// Each activation's kind.
    public let kinds: [String: ActivationKind]
    /// The activation others are tested against, when any run has it.
    public let baseline: String?
    public let excluded: [ExcludedRun]
    /// The Funnel builds that trained the runs used: several mean the figures may compare
    /// different code. Absent from older files.
    public let builds: [TrainingBuild]?
    /// The runs used that were trained by more than one build (resumed by another), by name.
    /// Absent from older files.
    public let runsOfSeveralBuilds: [String]?
    /// Sentences saying which sections were left out and why, in page order.
    public let omissions: [String]
    public let keyFacts: KeyFacts
    /// One per study, in study order.
    public let results: [ResultsTable]
    /// One per study and model, in order.
    public let curves: [LearningCurves]
    /// One per study whose models could be counted.
    public let costs: [CostAccuracy]
    /// The pointwise activations' curves; nil when none is pointwise or they could not be run.
    public let shapes: ActivationShapes?
    public let frelu: Inspected<FReLUInspection>?
    public let dyrelu: Inspected<DyReLUInspection>?
    /// The predicted masks of the first segmentation run with a checkpoint; nil when no run
    /// segments (or, with an omission, when none could be restored). Absent from older files.
    public let segmentation: Inspected<SegmentationPredictions>?
    /// nil unless attacks were asked for and succeeded.
    public let robustness: RobustnessTable?
    public let complexity: ComplexityTable?

    /// What to compute and how.
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
        /// Test images shown with a segmentation run's predicted masks.
        public var segmentationImages = 6
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

        public init() {}
    }

    /// The models of every study, each once, in order.
    public var models: [String] {
        results.flatMap(\.models).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    /// The results of `study`.
    public func results(of study: ReportData.Study) -> ResultsTable? {
        results.first { $0.study == study }
    }
}
