import Foundation
import Testing
import FunnelTrain
@testable import FunnelLab

/// SIGTERM (or SIGINT) stops training at the next step with a checkpoint and an `interrupted`,
/// resumable run; an experiment's parent stops its workers too, and none is left behind.
@Suite(.serialized) struct SignalTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-signals-\(UUID().uuidString.prefix(8))")

    func train(_ runDir: String, resume: Bool = false) throws -> FunnelProcess {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try FunnelProcess(["train", "--model", "resnet20", "--data", "synthetic", "--synthetic-train", "64", "--epochs", "3",
                                  "--batch-size", "8", "--schedule", "cosine", "--seed", "4", "--threads", "1",
                                  "--run-dir", directory.appendingPathComponent(runDir).path] + (resume ? ["--resume"] : []),
                                 logDirectory: directory)
    }

    func epochs(_ runDir: String) throws -> [[Double?]] {
        let store = try RunStore(directory: directory.appendingPathComponent(runDir))
        return try store.runs().flatMap { try store.epochs(of: $0.id).map { [$0.trainLoss, $0.testLoss, $0.testTop1] } }
    }

    @Test func sigtermStopsTrainingResumably() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let stopped = try train("stopped")
        let store = { try RunStore(directory: directory.appendingPathComponent("stopped")) }
        #expect(try waitUntil(timeout: 120) {
            try FileManager.default.fileExists(atPath: directory.appendingPathComponent("stopped/runs.sqlite").path)
                && (store().runs().first?.summary.epochs ?? 0) >= 1
        })
        stopped.signal(SIGTERM)
        let (status, output) = stopped.wait()
        #expect(status != 0 && output.contains("stopped by SIGTERM") && output.contains("--resume") && !output.contains("Usage:"), "\(output)")
        // Stopped after its first epoch: the last line says interrupted, not done.
        #expect(output.contains("interrupted after epoch") && !output.contains("done:"), "\(output)")
        let run = try #require(try store().runs().first)
        #expect(run.status == .interrupted && run.summary.epochs < 3)
        let checkpoint = try TrainingCheckpoint(contentsOf: URL(fileURLWithPath: try #require(run.checkpoint)))
        #expect(checkpoint.epoch >= 1)

        let resumed = try train("stopped", resume: true).wait()
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(try store().runs().map(\.status) == [.finished])
        #expect(try train("reference").wait().status == 0)
        #expect(try epochs("stopped") == epochs("reference"))
    }

    @Test func sigtermToAnExperimentLeavesNoWorkerBehind() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let spec = tinyGrid("sig", acts: ["relu", "swish"], seeds: [0, 1], epochs: 4, images: 32)
        let file = directory.appendingPathComponent("sig.yaml")
        try ExperimentYAML.write(spec, to: file)
        let runDir = directory.appendingPathComponent("runs")
        let parent = try FunnelProcess(["experiment", "run", file.path, "--jobs", "2", "--run-dir", runDir.path, "--threads", "2"],
                                       logDirectory: directory)
        let store = { try RunStore(directory: runDir) }
        #expect(try waitUntil(timeout: 120) {
            try FileManager.default.fileExists(atPath: runDir.appendingPathComponent("runs.sqlite").path)
                && store().cellProgress(experiment: "sig").contains { $0.epochsDone >= 1 }
        })
        parent.signal(SIGTERM)
        let (status, output) = parent.wait()
        #expect(status != 0 && output.contains("SIGTERM"), "\(output)")
        // No worker outlives its parent.
        #expect(waitUntil(timeout: 10) { processes(mentioning: runDir.path).isEmpty }, "\(processes(mentioning: runDir.path))")
        let cells = try store().cells(experiment: "sig")
        #expect(cells.allSatisfy { $0.status != .running }, "\(cells.map(\.status))")
        #expect(try store().runs().allSatisfy { $0.status != .running })
        // The same command resumes and finishes the grid.
        let again = try FunnelProcess(["experiment", "run", file.path, "--jobs", "2", "--run-dir", runDir.path, "--threads", "2"],
                                      logDirectory: directory).wait()
        #expect(again.status == 0, "\(again.output)")
        #expect(try store().cellCounts(experiment: "sig")[.done] == 4)
    }

    /// Starts `funnel arguments`, sends SIGTERM once a run in `runDir` has finished an epoch, and
    /// returns how the process ended.
    func sigtermAfterFirstEpoch(_ arguments: [String], runDir: URL) throws -> (status: Int32, output: String) {
        let process = try FunnelProcess(arguments, logDirectory: directory)
        #expect(try waitUntil(timeout: 120) {
            try FileManager.default.fileExists(atPath: runDir.appendingPathComponent("runs.sqlite").path)
                && RunStore(directory: runDir).runs().contains { $0.summary.epochs >= 1 }
        })
        process.signal(SIGTERM)
        return process.wait()
    }

    @Test func sigtermToCompareStopsResumably() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let runDir = directory.appendingPathComponent("compare")
        let arguments = ["compare", "--acts", "relu,swish", "--model", "resnet20", "--data", "synthetic", "--synthetic-train", "64",
                         "--epochs", "3", "--batch-size", "8", "--seed", "4", "--threads", "1", "--run-dir", runDir.path]
        let (status, output) = try sigtermAfterFirstEpoch(arguments, runDir: runDir)
        let store = { try RunStore(directory: runDir) }
        #expect(status != 0 && output.contains("stopped by SIGTERM"), "\(output)")
        #expect(!output.contains("final epoch's test metrics"), "no table from an unfinished comparison: \(output)")
        let runs = try store().runs()
        #expect(runs.contains { $0.status == .interrupted } && runs.allSatisfy { $0.status != .running }, "\(runs.map(\.status))")
        // Run again: the interrupted run resumes and the table covers both activations.
        let again = try FunnelProcess(arguments, logDirectory: directory).wait()
        #expect(again.status == 0 && again.output.contains("final epoch's test metrics"), "\(again.output)")
        let finished = try store().runs()
        #expect(finished.count == 2 && finished.allSatisfy { $0.status == .finished && $0.summary.epochs == 3 }, "\(finished)")
    }

    @Test func sigtermToASweepGivesItsRunBack() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("sig.yaml")
        try """
            method: grid
            metric: {name: train_loss, goal: minimize}
            parameters:
              act: {values: [relu, swish]}
            recipe: {model: resnet20, data: synthetic, epochs: 3, batch_size: 8, synthetic_train: 64, synthetic_test: 16, schedule: cosine}
            """.write(to: file, atomically: true, encoding: .utf8)
        let runDir = directory.appendingPathComponent("runs")
        let arguments = ["sweep", "run", file.path, "--run-dir", runDir.path, "--threads", "1"]
        let (status, output) = try sigtermAfterFirstEpoch(arguments, runDir: runDir)
        let store = { try RunStore(directory: runDir) }
        #expect(status != 0 && output.contains("SIGTERM") && output.contains("given back"), "\(output)")
        let sweepRuns = try store().sweepRuns(1)
        // The run it held is claimable again at once, and its training run is resumable.
        #expect(sweepRuns.allSatisfy { $0.status != .running || ($0.leaseUntil ?? .distantFuture) <= Date() }, "\(sweepRuns)")
        #expect(try store().runs().contains { $0.status == .interrupted })
        let again = try FunnelProcess(arguments, logDirectory: directory).wait()
        #expect(again.status == 0, "\(again.output)")
        let done = try store().sweepRuns(1)
        #expect(done.count == 2 && done.allSatisfy { $0.status == .finished && $0.history.count == 3 }, "\(done)")
        #expect(try store().runs().count == 2, "the interrupted run resumed rather than starting over")
    }
}

/// Command lines of live processes that mention `text`.
func processes(mentioning text: String) -> [String] {
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return pids.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        return line.contains(text) ? line : nil
    }
}
