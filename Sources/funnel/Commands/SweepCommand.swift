import ArgumentParser
import Foundation
import FunnelLab
import FunnelStats
import FunnelTrain

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "W&B-style sweeps (grid, random or Bayesian search, Hyperband early termination), with their state in the run store.",
        discussion: """
            On one machine: `funnel sweep run FILE` (or just `funnel sweep FILE`). On many: `funnel sweep create FILE --store URL` \
            prints an id; then `funnel sweep agent ID --store URL` on every machine, or `funnel sweep submit ID --slurm`.
            """,
        subcommands: [RunSweep.self, Create.self, Agent.self, Submit.self, Status.self], defaultSubcommand: RunSweep.self)

    /// A sweep file or the built-in study sweep.
    struct Source: ParsableArguments {
        @Argument(help: "Sweep YAML file.") var file: String?
        @Option(help: "Built-in sweep: study-sweep.") var preset: String?
        @Option(help: "Scale of the built-in sweep: quick (ResNet-20, 10 epochs on 10k images, 12 runs) | full (ResNet-18, 50 epochs, 20 runs).")
        var scale = "quick"
        @Option(help: "Seed of random and Bayesian search.") var seed: UInt64 = 0

        func validate() throws {
            guard (file == nil) != (preset == nil) else { throw ValidationError("give a sweep file or --preset study-sweep (not both)") }
            if let preset, preset != "study-sweep" { throw ValidationError("unknown sweep preset '\(preset)'; presets: study-sweep") }
            guard ExperimentPresets.Scale(rawValue: scale) != nil else { throw ValidationError("--scale '\(scale)': expected quick or full") }
        }

        func definition() throws -> SweepDefinition {
            let scale = ExperimentPresets.Scale(rawValue: scale)!
            let yaml = try file.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? SweepDefinition.studySweep(scale: scale)
            let name = file.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? "study-sweep-\(scale.rawValue)"
            do { return try SweepDefinition(name: name, yaml: yaml, seed: seed) } catch {
                throw ExperimentError("\(file ?? name): \(error)")
            }
        }

        func create(in store: RunStore) throws -> (SweepDefinition, Int64) {
            let definition = try definition()
            for warning in definition.warnings { note("warning: \(definition.name): recipe: \(warning)") }
            return (definition, try store.createSweep(name: definition.name, spec: definition.yaml, seed: seed))
        }
    }

    struct AgentOptions: ParsableArguments {
        @Option(help: "Seconds a claim holds without a heartbeat.") var lease: Double = 300
        @Option(help: "Runs this agent trains before it exits (default: until the sweep is over).") var count: Int?

        func validate() throws {
            try requireLease(lease)
            try requireAtLeast(1, count, "count")
        }
    }

    struct RunSweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run", abstract: "Create the sweep (or continue it) and be its agent until it is over.",
            discussion: "With --jobs N, N agent processes share the cores and take the sweep's runs from the store side by side.")
        @OptionGroup var source: Source
        @OptionGroup var location: RunLocation<SweepRunDirectory>
        @OptionGroup var agent: AgentOptions
        @Option(help: "Agents run side by side, each a process of its own; the cores are split between them.") var jobs = 1
        @OptionGroup var compute: ComputeOptions

        func validate() throws {
            try requireAtLeast(1, jobs, "jobs")
            guard jobs == 1 || agent.count == nil else { throw ValidationError("--count limits one agent; it cannot be given with --jobs") }
        }

        func run() throws {
            compute.apply()
            let location = try location.location()
            let store = try RunStore(location)
            let (definition, id) = try source.create(in: store)
            note("sweep \(id) (\(definition.name)) in \(store.location)")
            if jobs == 1 {
                try runAgent(store: store, id: id, runDir: self.location.runDirectory, options: agent)
            } else {
                try runAgents(store: store, location: location, id: id, definition: definition)
            }
            printRanking(try store.sweepRuns(id), name: definition.name, goal: definition.sweep.configuration.metric?.goal)
        }

        /// `jobs` agent processes (`funnel sweep agent ID`) on this machine, with progress until the sweep is over.
        private func runAgents(store: RunStore, location: StoreLocation, id: Int64, definition: SweepDefinition) throws {
            let stop = StopRequest()
            stop.catchSignals()
            let workers = LocalWorkers(jobs: jobs, cores: compute.threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                       executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath())
            let cap = definition.sweep.configuration.runCap.map { " of \($0)" } ?? ""
            let failed = try workers.run(arguments: { threads in
                ["sweep", "agent", "\(id)", "--run-dir", self.location.runDirectory, "--store", location.argument,
                 "--lease", "\(agent.lease)"] + self.compute.childArguments(threads: threads)
            }, stop: stop, progress: {
                let runs = try store.sweepRuns(id)
                return "\(definition.name): \(runs.filter { $0.status != .running }.count)\(cap) runs ended, "
                    + "\(runs.filter { $0.status == .running }.count) running, \(runs.filter { $0.status == .failed }.count) failed"
            }, report: note)
            if let why = stop.requested {
                throw ExperimentError("stopped by \(why); the runs in hand were checkpointed and given back, run the same command again to go on")
            }
            if failed > 0 { throw ExperimentError("\(failed) of \(jobs) agents failed (see `funnel sweep status \(id)`); run again to go on") }
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a sweep in the store and print its id (creating it again prints the same id).")
        @OptionGroup var source: Source
        @OptionGroup var location: RunLocation<SweepRunDirectory>

        func run() throws {
            let (_, id) = try source.create(in: try location.open())
            print(id)
        }
    }

    struct Agent: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Train the sweep's runs, asking the store for each next one, until the sweep is over.")
        @Argument(help: "Sweep id (from `funnel sweep create`).") var id: Int64
        @OptionGroup var location: RunLocation<SweepRunDirectory>
        @OptionGroup var agent: AgentOptions
        @OptionGroup var compute: ComputeOptions

        func run() throws {
            compute.apply()
            try runAgent(store: try location.open(mustExist: true), id: id, runDir: location.runDirectory, options: agent)
        }
    }

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Submit agents for a sweep to Slurm as an array job.",
                                                        discussion: "The run directory must be on a file system every node shares.")
        @Argument(help: "Sweep id (from `funnel sweep create`).") var id: Int64
        @OptionGroup var slurm: SlurmOptions
        @Option(help: "Agents (array tasks, all running at once).") var workers = 4
        @OptionGroup var location: RunLocation<SweepRunDirectory>

        func validate() throws {
            try requireAtLeast(1, workers, "workers")
        }

        func run() throws {
            let store = try location.location()
            let sweep = try RunStore(store).sweep(id)
            try slurm.submit(name: "sweep-\(id)", tasks: workers, workers: workers, runDirectory: location.runDirectoryURL.standardizedFileURL,
                             store: store, arguments: ["sweep", "agent", "\(id)"])
            note("sweep \(id) (\(sweep.name)): follow it with `funnel sweep status \(id)` (with the same --store)")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A sweep's runs, best first, and those still running.")
        @Argument(help: "Sweep id.") var id: Int64
        @OptionGroup var location: RunLocation<SweepRunDirectory>

        func run() throws {
            let store = try location.open(mustExist: true)
            // Only the goal is read, not the whole definition: a sweep created before a check was
            // added (or with a value a newer binary refuses) still shows what its runs reached.
            let record = try store.sweep(id)
            printRanking(try store.sweepRuns(id), name: record.name, goal: try SweepConfiguration(yaml: record.spec).metric?.goal)
        }
    }
}

private func runAgent(store: RunStore, id: Int64, runDir: String, options: SweepCommand.AgentOptions) throws {
    let stop = StopRequest()
    stop.catchSignals()
    let agent = try SweepAgent(store: store, sweepID: id, runDirectory: URL(fileURLWithPath: runDir),
                               options: .init(leaseSeconds: options.lease, count: options.count))
    let ended = try agent.run(stop: stop, events: ProgressPrinter(quiet: true).handle, report: note)
    note("agent \(RunStore.workerID): \(ended.count) runs ended")
    if let why = stop.requested {
        throw ExperimentError("stopped by \(why); the run in hand was checkpointed and given back, run the same command again to go on")
    }
}

private func printRanking(_ runs: [SweepRunRecord], name: String, goal: OptimizationGoal?) {
    let goal = goal ?? .minimize
    let ranked = runs.filter { $0.metric != nil }.sorted { goal == .minimize ? $0.metric! < $1.metric! : $0.metric! > $1.metric! }
    print("\(name): \(runs.count) runs (\(runs.filter { $0.status == .running }.count) running, "
          + "\(runs.filter { $0.status == .failed }.count) failed); best first")
    for r in ranked { print(String(format: "%10.4f  ", r.metric!) + col("\(name)-\(r.number)", 18) + r.assignment) }
    for r in runs where r.status == .running { print("   running  " + col("\(name)-\(r.number)", 18) + "\(r.assignment)  \(r.claimedBy ?? "")") }
}
