import ArgumentParser
import Foundation
import FunnelLab
import FunnelTrain

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep", abstract: "Run a W&B-style sweep file (grid, random or Bayesian search, Hyperband early termination).")

    @Argument(help: "Sweep YAML file.") var file: String?
    @Option(help: "Built-in sweep: study-sweep.") var preset: String?
    @Option(name: .customLong("run-dir"), help: "Run directory (runs.sqlite, checkpoints, sweep state).") var runDir = "runs/sweeps"
    @Option(help: "Seed of random and Bayesian search.") var seed: UInt64 = 0
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard (file == nil) != (preset == nil) else { throw ValidationError("give a sweep file or --preset study-sweep (not both)") }
        if let preset, preset != "study-sweep" { throw ValidationError("unknown sweep preset '\(preset)'; presets: study-sweep") }
    }

    func run() throws {
        compute.apply()
        let yaml = try file.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? SweepRunner.studySweep
        let name = file.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? "study-sweep"
        let runner = try SweepRunner(name: name, yaml: yaml, runDirectory: URL(fileURLWithPath: runDir), seed: seed)
        let records = try runner.run(events: ProgressPrinter(quiet: true).handle, report: note)
        let goal = runner.sweep.configuration.metric?.goal ?? .minimize
        let ranked = records.filter { $0.metric != nil }.sorted { goal == .minimize ? $0.metric! < $1.metric! : $0.metric! > $1.metric! }
        print("\(name): \(records.count) runs; best first")
        for r in ranked { print(String(format: "%10.4f  ", r.metric!) + col(r.run, 18) + r.assignment) }
    }
}
