import Foundation

/// An array job that runs Funnel workers on a Slurm cluster, and its `sbatch` script.
///
/// Each array task runs one worker command (`funnel experiment work` or `funnel sweep agent`)
/// until the store has nothing left for it. The script asks Slurm to requeue tasks
/// (`--requeue`) and to send SIGUSR1 two minutes before the time limit (`--signal=B:USR1@120`).
/// That signal reaches only the batch shell, so the shell runs the worker in the background and
/// forwards USR1 and TERM to it; the worker then finishes its step, writes a checkpoint, gives its
/// work back to the store and exits, and the requeued task (or another worker) continues it.
public struct SlurmJob: Sendable, Equatable {
    /// The job's name (`--job-name`).
    public var name: String
    /// Array tasks in all (`--array=0-(tasks-1)`).
    public var tasks: Int
    /// Tasks running at once (the `%` cap).
    public var workers: Int
    /// CPUs per task; the worker uses that many threads.
    public var cpusPerTask: Int
    /// Partition, if not the default.
    public var partition: String?
    /// Time limit (`--time`, e.g. `2-00:00:00`), if any.
    public var time: String?
    /// Where task logs go (`%x-%A_%a.out` in it).
    public var logDirectory: String
    /// The worker command, each argument separately (the first is the executable).
    public var command: [String]
    /// Environment variables the tasks need (e.g. FUNNEL_STORE).
    public var environment: [(String, String)]

    public init(name: String, tasks: Int, workers: Int, cpusPerTask: Int, partition: String? = nil, time: String? = nil,
                logDirectory: String, command: [String], environment: [(String, String)] = []) {
        self.name = name
        self.tasks = tasks
        self.workers = workers
        self.cpusPerTask = cpusPerTask
        self.partition = partition
        self.time = time
        self.logDirectory = logDirectory
        self.command = command
        self.environment = environment
    }

    public static func == (a: SlurmJob, b: SlurmJob) -> Bool { a.script == b.script }

    /// The batch script.
    public var script: String {
        var lines = ["#!/bin/bash", "#SBATCH --job-name=\(name)", "#SBATCH --array=0-\(max(0, tasks - 1))%\(max(1, workers))",
                     "#SBATCH --cpus-per-task=\(cpusPerTask)", "#SBATCH --requeue", "#SBATCH --signal=B:USR1@120",
                     "#SBATCH --open-mode=append", "#SBATCH --output=\(logDirectory)/%x-%A_%a.out"]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time { lines.append("#SBATCH --time=\(time)") }
        lines += [
            "",
            "# Written by `funnel`: each task is one worker that claims work from the run store until none is left.",
            "set -u",
        ]
        lines += environment.map { "export \($0.0)=\(Self.quoted($0.1))" }
        lines += [
            "export OMP_WAIT_POLICY=passive",
            "echo \"task ${SLURM_ARRAY_TASK_ID:-0} on $(hostname), restart ${SLURM_RESTART_COUNT:-0}\"",
            command.map(Self.quoted).joined(separator: " ") + " --threads \"${SLURM_CPUS_PER_TASK:-\(cpusPerTask)}\" &",
            "worker=$!",
            "# Slurm signals only this shell (B:USR1) or the whole job (TERM): pass either to the worker,",
            "# which checkpoints, gives its work back and exits.",
            "trap 'kill -USR1 $worker 2>/dev/null' USR1",
            "trap 'kill -TERM $worker 2>/dev/null' TERM",
            "while kill -0 $worker 2>/dev/null; do wait $worker; status=$?; done",
            "wait $worker 2>/dev/null; exit ${status:-$?}",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the script to `url` (mode 0700: it may carry a store password) and, unless
    /// `dryRun`, submits it with `sbatch --parsable`.
    /// - Returns: the job id, or nil for a dry run.
    public func submit(scriptURL url: URL, dryRun: Bool) throws -> String? {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        try Data(script.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
        guard !dryRun else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sbatch", "--parsable", url.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw ExperimentError("sbatch could not be started (\(error.localizedDescription)); is Slurm installed? The script is at \(url.path)")
        }
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ExperimentError("sbatch \(url.path) failed (exit \(process.terminationStatus)): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        // --parsable prints "jobid" or "jobid;cluster".
        return String(stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first ?? "")
    }

    /// `text` as one shell word.
    static func quoted(_ text: String) -> String {
        if !text.isEmpty && text.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:=@%+,".contains($0) }) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
