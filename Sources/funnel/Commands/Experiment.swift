import ArgumentParser
import Foundation
import FunnelLab
import FunnelTrain

struct Experiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run experiment grids (YAML files or built-in presets) through the run store's cell queue, here or on a Slurm cluster.",
        subcommands: [List.self, Run.self, Work.self, Submit.self, Status.self])

    /// Which experiment: a YAML file or a preset at a scale.
    struct Source: ParsableArguments {
        @Argument(help: "Experiment YAML file.") var file: String?
        @Option(help: "Built-in preset (see `funnel experiment list`).") var preset: String?
        @Option(help: "Preset scale: quick | full.") var scale = "quick"
        @Option(help: "Datasets for a preset, comma-separated (default: the preset's).") var data: String?

        var isGiven: Bool { file != nil || preset != nil }

        func validate() throws {
            guard !(file != nil && preset != nil) else { throw ValidationError("give an experiment file or --preset NAME, not both") }
            guard ExperimentPresets.Scale(rawValue: scale) != nil else { throw ValidationError("--scale '\(scale)': expected quick or full") }
        }

        func spec() throws -> ExperimentSpec {
            let spec: ExperimentSpec
            if let file {
                spec = try ExperimentSpec(contentsOf: URL(fileURLWithPath: file))
            } else {
                guard let preset else { throw ValidationError("give an experiment file or --preset NAME") }
                spec = try ExperimentPresets.spec(preset, scale: ExperimentPresets.Scale(rawValue: scale)!,
                                                  datasets: data.map(commaSeparated) ?? [])
                try spec.validate()
            }
            for warning in spec.recipe.warnings { note("warning: \(spec.name): recipe: \(warning)") }
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
        static let configuration = CommandConfiguration(abstract: "Run every cell on this machine (finished cells are skipped, interrupted ones resume).")
        @OptionGroup var source: Source
        @OptionGroup var location: RunLocation<ExperimentRunDirectory>
        @Option(help: "Cells trained side by side; the cores are split between them.") var jobs = 1
        @OptionGroup var compute: ComputeOptions

        func validate() throws { try requireAtLeast(1, jobs, "jobs") }

        func run() throws {
            let spec = try source.spec()
            let store = try location.location()
            let runner = try ExperimentRunner(spec: spec, runDirectory: location.runDirectoryURL, store: try RunStore(store))
            let (added, total) = try runner.enqueue()
            note("\(spec.name): \(total) cells (\(added) newly queued) in \(store)")
            let cores = compute.threads ?? ProcessInfo.processInfo.activeProcessorCount
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            let stop = StopRequest()
            stop.catchSignals()
            try runner.runWorkers(jobs: jobs, cores: cores, executable: executable, arguments: { threads in
                ["experiment", "work", "--experiment", spec.name, "--run-dir", location.runDirectory, "--store", store.argument] + compute.childArguments(threads: threads)
            }, stop: stop, report: note)
        }
    }

    struct Work: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Be one worker: claim cells from the store and train them until none is left.",
            discussion: """
                Runs anywhere that reaches the store: a Slurm task, ssh, tmux, a Kubernetes job. SIGTERM or SIGUSR1 \
                ends the current step, writes a checkpoint and gives the cell back, so another worker resumes it.
                """)
        @OptionGroup var source: Source
        @Option(help: "Only cells of this experiment (default: the file's or preset's; else any).") var experiment: String?
        @OptionGroup var location: RunLocation<ExperimentRunDirectory>
        @Option(help: "Seconds a claim holds without a heartbeat (heartbeats come every third of it).") var lease: Double = 300
        @Option(help: "Attempts (failed runs, lapsed leases) before a cell is marked failed.") var maxAttempts = 3
        @Option(help: "Stop after this many cells.") var maxCells: Int?
        @OptionGroup var compute: ComputeOptions

        func validate() throws {
            try requireLease(lease)
            try requireAtLeast(1, maxAttempts, "max-attempts")
            try requireAtLeast(1, maxCells, "max-cells")
        }

        func run() throws {
            compute.apply()
            let stop = StopRequest()
            stop.catchSignals()
            let name = try experiment ?? (source.isGiven ? source.spec().name : nil)
            let store = try location.open()
            if let name { try store.requireExperiment(name) }
            let worker = CellWorker(store: store, runDirectory: location.runDirectoryURL,
                                    experiment: name, options: .init(leaseSeconds: lease, maxAttempts: maxAttempts, maxCells: maxCells))
            let printer = ProgressPrinter(quiet: true)
            let tally = try worker.run(stop: stop, events: printer.handle, report: note)
            note("worker \(RunStore.workerID): \(tally.finished) cells finished, \(tally.failed) failed, \(tally.released) given back, \(tally.lost) lost")
        }
    }

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a grid in the store and submit workers for it to Slurm as an array job.",
            discussion: """
                Writes <run-dir>/slurm/<experiment>.sbatch, prints it, and submits it with sbatch (not with --dry-run). \
                The store must be one every node reaches: --store postgres://… or $FUNNEL_STORE.
                """)
        @OptionGroup var source: Source
        @OptionGroup var slurm: SlurmOptions
        @OptionGroup var location: RunLocation<ExperimentRunDirectory>
        @Option(help: "Workers running at once (the array's % cap); default: one per cell.") var workers: Int?

        func validate() throws {
            try requireAtLeast(1, workers, "workers")
        }

        func run() throws {
            let spec = try source.spec()
            let store = try location.location()
            if case .sqlite = store {
                note("warning: the store is SQLite (\(store)); that works for a one-node cluster only. Use --store postgres://… for several nodes.")
            }
            let runDirectory = location.runDirectoryURL.standardizedFileURL
            let (added, total) = try ExperimentRunner(spec: spec, runDirectory: runDirectory, store: try RunStore(store)).enqueue()
            note("\(spec.name): \(total) cells (\(added) newly queued) in \(store)")
            try slurm.submit(name: spec.name, tasks: total, workers: workers ?? total, runDirectory: runDirectory, store: store,
                             arguments: ["experiment", "work", "--experiment", spec.name])
            note("follow it with `funnel experiment status --experiment \(spec.name)` (with the same --store)")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cells pending, running (worker, epoch, heartbeat age), done and failed; throughput and ETA.")
        @OptionGroup var source: Source
        @Option(help: "The experiment (default: the file's or preset's).") var experiment: String?
        @OptionGroup var location: RunLocation<ExperimentRunDirectory>
        @Flag(help: "Refresh every --interval seconds until every cell is done or failed.") var watch = false
        @Option(help: "Seconds between refreshes with --watch.") var interval: Double = 10

        func validate() throws {
            try requirePositiveSeconds(interval, "interval")
        }

        func run() throws {
            guard let name = try experiment ?? (source.isGiven ? source.spec().name : nil) else {
                throw ValidationError("name the experiment: --experiment NAME, a file or --preset")
            }
            let store = try location.open(mustExist: true)
            while true {
                let status = try ExperimentStatus(experiment: name, store: store)
                print(status.render())
                let open = status.count(.pending) + status.count(.running)
                guard watch, open > 0 else { break }
                print("")
                Thread.sleep(forTimeInterval: interval)
            }
        }
    }
}
