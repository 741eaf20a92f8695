import Foundation
import FunnelInterop
import FunnelStats
import FunnelTrain

/// A quick activation comparison: the same model and recipe trained once per activation and seed,
/// then ranked with the statistics of `Ranking` (Welch's t-test against the first activation).
/// The README's main job runs this on the synthetic dataset.
public struct ActivationComparison {
    public let base: TrainConfig
    public let acts: [String]
    public let seeds: [UInt64]

    public init(base: TrainConfig, acts: [String], seeds: [UInt64] = [0]) {
        self.base = base; self.acts = acts; self.seeds = seeds
    }

    public struct Row: Sendable {
        public let act: String
        public let runs: [TrainingSummary]
        public var parameters: Int { runs.first?.parameters ?? 0 }
        public var finalTop1: [Double] { runs.map(\.finalTop1) }
        public var finalLoss: [Double] { runs.map(\.finalLoss) }
        /// Mean wall-clock seconds of an epoch (from the recorded epochs, so reused runs count too).
        public var secondsPerEpoch: Double {
            let epochs = runs.flatMap(\.epochs)
            return epochs.map(\.seconds).reduce(0, +) / Double(max(1, epochs.count))
        }
        public var imagesPerSecond: Double {
            let epochs = runs.flatMap(\.epochs)
            return epochs.map(\.imagesPerSecond).reduce(0, +) / Double(max(1, epochs.count))
        }
    }

    /// Trains every (activation, seed) cell into `runDirectory` (resuming unfinished cells, skipping
    /// finished ones whose checkpoint is complete) and returns one row per activation.
    /// A stop request ends the run in progress at its next step (checkpointed, resumable) and
    /// throws; running the same comparison again resumes it.
    public func run(runDirectory: URL, store: RunStore? = nil, stop: StopRequest = StopRequest(),
                    events: @escaping (TrainingEvent) -> Void = { _ in }) throws -> [Row] {
        for act in acts { var c = base; c.act = act; try c.validate() }  // every name resolves before any data is loaded
        // A repeated seed would reuse its run and count it twice in the mean, spread and p-value.
        if let seed = firstRepeated(seeds) { throw ExperimentError("seeds: \(seed) is listed twice (each seed is one run)") }
        if let act = firstRepeated(acts) { throw ExperimentError("acts: '\(act)' is listed twice") }
        let data = try Trainer.loadData(base)
        return try acts.map { act in
            let runs = try seeds.map { seed in
                var config = base
                config.act = act
                config.seed = seed
                let tensorBoard = TensorBoardLogger(runDirectory: runDirectory, config: config)
                let summary = try Trainer(config: config, runDirectory: runDirectory, store: store, events: tensorBoard.handler(passingTo: events))
                    .run(resume: true, data: data, shouldStop: { stop.isRequested })
                if summary.interrupted, let why = stop.requested {
                    throw ExperimentError("stopped by \(why) during \(summary.runName) (checkpointed); run the same command again to resume")
                }
                return summary
            }
            return Row(act: act, runs: runs)
        }
    }

    /// A plain-text table: accuracy and loss (mean ± std over seeds; with one seed the spread is
    /// unknown and shows as `–`, not 0), the difference from the first activation with its Welch
    /// p-value, parameters and speed.
    public static func table(_ rows: [Row]) -> String {
        var lines = ["activation            params   test top-1 (%)      test loss      vs \(rows.first?.act ?? "-")           s/epoch   img/s"]
        let baseline = rows.first?.finalTop1 ?? []
        let baselineMean = baseline.isEmpty ? nil : SampleSummary(baseline.map { $0 * 100 }).mean  // no rows, no baseline
        for row in rows {
            let acc = SampleSummary(row.finalTop1.map { $0 * 100 }), loss = SampleSummary(row.finalLoss)
            var versus = "-"
            if row.act != rows.first?.act, let baselineMean {
                let diff = acc.mean - baselineMean
                if let test = WelchTest(row.finalTop1, baseline) {
                    versus = String(format: "%+.2f (p=%.3f)", diff, test.pValue)
                } else {
                    versus = String(format: "%+.2f (n=%d)", diff, row.runs.count)
                }
            }
            lines.append(String(format: "%@ %8.3fM  %6.2f ± %@  %7.4f ± %@  %@ %8.1f %7.0f",
                                row.act.padding(toLength: 20, withPad: " ", startingAt: 0), Double(row.parameters) / 1e6,
                                acc.mean, spread(acc.standardDeviation, digits: 2), loss.mean, spread(loss.standardDeviation, digits: 4),
                                versus.padding(toLength: 18, withPad: " ", startingAt: 0), row.secondsPerEpoch, row.imagesPerSecond))
        }
        return lines.joined(separator: "\n")
    }

    /// A standard deviation left-aligned in six characters, or `–` where it is undefined (one seed).
    private static func spread(_ deviation: Double?, digits: Int) -> String {
        (deviation.map { String(format: "%.*f", digits, $0) } ?? "–").padding(toLength: 6, withPad: " ", startingAt: 0)
    }
}
