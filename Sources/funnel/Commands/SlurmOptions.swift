import ArgumentParser
import Foundation
import FunnelKernels
import FunnelLab
import FunnelTrain

/// What `experiment submit` and `sweep submit` ask of Slurm.
struct SlurmOptions: ParsableArguments {
    @Flag(help: "Submit to Slurm (the only scheduler supported; elsewhere start `funnel experiment work` or `funnel sweep agent` yourself).")
    var slurm = false
    @Option(help: "Slurm partition.") var partition: String?
    @Option(help: "Slurm time limit per task, e.g. 2-00:00:00.") var time: String?
    @Option(help: "CPUs per task (the worker's threads).") var cpusPerTask = 4
    @Option(help: "Seconds a worker's claim holds without a heartbeat.") var lease: Double = 300
    @Option(help: "The workers' convolutions: auto (Winograd and Funnel's own kernel where they suit, the default), onednn or direct (see --convolution).")
    var convolution: ConvolutionAlgorithm?
    @Flag(help: "Write and show the script, submit nothing.") var dryRun = false

    func validate() throws {
        guard slurm else { throw ValidationError("--slurm is required: Slurm is the scheduler `submit` knows") }
        try requireAtLeast(1, cpusPerTask, "cpus-per-task")
        try requireLease(lease)
    }

    /// Writes `<run dir>/slurm/<name>.sbatch` for `tasks` array tasks running `arguments` (after
    /// this executable), shows it, and submits it unless `--dry-run`.
    func submit(name: String, tasks: Int, workers: Int, runDirectory: URL, store: StoreLocation, arguments: [String]) throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let slurmDirectory = runDirectory.appendingPathComponent("slurm")
        let job = SlurmJob(name: "funnel-\(name)", tasks: tasks, workers: workers, cpusPerTask: cpusPerTask, partition: partition,
                           time: time, logDirectory: slurmDirectory.path,
                           command: [executable] + arguments + ["--run-dir", runDirectory.path, "--lease", "\(lease)"]
                               + (convolution.map { ["--convolution", $0.rawValue] } ?? []),
                           environment: [(StoreLocation.environmentVariable, store.argument)])
        let scriptURL = slurmDirectory.appendingPathComponent("\(name).sbatch")
        let submitted = try job.submit(scriptURL: scriptURL, dryRun: dryRun)
        print(job.script)
        if let submitted { note("submitted job \(submitted): \(scriptURL.path)") } else { note("dry run: wrote \(scriptURL.path), submitted nothing") }
    }
}
