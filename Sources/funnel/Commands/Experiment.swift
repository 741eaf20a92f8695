import ArgumentParser
import Foundation
import FunnelLab
import FunnelTrain

struct Experiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run experiment grids (YAML files or built-in presets) through the run store's cell queue.",
        subcommands: [List.self, Run.self, Work.self, Status.self])

    /// Which experiment: a YAML file or a preset at a scale.
    struct Source: ParsableArguments {
        @Argument(help: "Experiment YAML file.") var file: String?
        @Option(help: "Built-in preset (see `funnel experiment list`).") var preset: String?
        @Option(help: "Preset scale: quick | full.") var scale = "quick"
        @Option(help: "Datasets for a preset, comma-separated (default: the preset's).") var data: String?

        func validate() throws {
            guard (file == nil) != (preset == nil) else { throw ValidationError("give an experiment file or --preset NAME (not both)") }
            guard ExperimentPresets.Scale(rawValue: scale) != nil else { throw ValidationError("--scale '\(scale)': expected quick or full") }
        }

        func spec() throws -> ExperimentSpec {
            if let file { return try ExperimentSpec(contentsOf: URL(fileURLWithPath: file)) }
            let spec = try ExperimentPresets.spec(preset!, scale: ExperimentPresets.Scale(rawValue: scale)!,
                                                  datasets: data?.split(separator: ",").map(String.init) ?? [])
            try spec.validate()
            return spec
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The built-in presets and what their quick scale costs.")
        func run() throws {
            for p in ExperimentPresets.all {
                let quick = try ExperimentPresets.spec(p.name, scale: .quick), full = try ExperimentPresets.spec(p.name, scale: .full)
                print("\(p.name)\n    \(p.summary)\n    quick: \(quick.cells().count) runs, \(p.quickCost)\n    full: \(full.cells().count) runs of \(full.recipe.epochs) epochs")
            }
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run every cell (finished cells are skipped, interrupted ones resume).")
        @OptionGroup var source: Source
        @Option(name: .customLong("run-dir"), help: "Run directory (runs.sqlite and checkpoints).") var runDir = "runs/experiments"
        @Option(help: "Cells trained side by side; the cores are split between them.") var jobs = 1
        @OptionGroup var compute: ComputeOptions

        func run() throws {
            let spec = try source.spec()
            let runner = try ExperimentRunner(spec: spec, runDirectory: URL(fileURLWithPath: runDir))
            let (added, total) = try runner.enqueue()
            note("\(spec.name): \(total) cells (\(added) newly queued) in \(runDir)")
            let cores = compute.threads ?? ProcessInfo.processInfo.activeProcessorCount
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            var specFile = source.file
            if specFile == nil {
                // Workers read the preset from a file in the run directory, so they need no preset logic.
                let url = URL(fileURLWithPath: runDir).appendingPathComponent("\(spec.name).yaml")
                try ExperimentYAML.write(spec, to: url)
                specFile = url.path
            }
            try runner.runWorkers(jobs: jobs, cores: cores, executable: executable,
                                  arguments: { threads in ["experiment", "work", specFile!, "--run-dir", runDir, "--threads", "\(threads)"] },
                                  report: note)
        }
    }

    struct Work: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Be one worker: claim and train cells until none is left.")
        @OptionGroup var source: Source
        @Option(name: .customLong("run-dir")) var runDir = "runs/experiments"
        @OptionGroup var compute: ComputeOptions

        func run() throws {
            compute.apply()
            let runner = try ExperimentRunner(spec: try source.spec(), runDirectory: URL(fileURLWithPath: runDir))
            let printer = ProgressPrinter(quiet: true)
            let (finished, failed) = try runner.work(events: printer.handle, failures: { note("failed: \($0)") })
            note("worker \(ProcessInfo.processInfo.processIdentifier): \(finished) cells finished, \(failed) failed")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cells done, running, pending and failed.")
        @OptionGroup var source: Source
        @Option(name: .customLong("run-dir")) var runDir = "runs/experiments"

        func run() throws {
            let runner = try ExperimentRunner(spec: try source.spec(), runDirectory: URL(fileURLWithPath: runDir))
            let p = try runner.progress()
            print("\(runner.spec.name): \(p.done)/\(p.total) done, \(p.running) running, \(p.pending) pending, \(p.failed) failed")
        }
    }
}
