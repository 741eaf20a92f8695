import Foundation
import Testing
@testable import FunnelTrain

/// A run's life when its process ends without warning: one process trains a run at a time; a run
/// killed by `kill -9` keeps its checkpoint, is listed as lost once silent and resumes; a closed
/// output does not kill a run. (Signals that stop a run cleanly: `SignalTests`.)
@Suite struct RunLivenessTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-liveness-\(UUID().uuidString.prefix(8))")

    /// Two steps an epoch, a tiny test set: the processes, not the training, are what is tested.
    func trainArguments(_ runDir: URL, epochs: Int) -> [String] {
        ["train", "--model", "resnet20", "--data", "synthetic", "--synthetic-train", "16", "--synthetic-test", "8",
         "--epochs", "\(epochs)", "--batch-size", "8", "--schedule", "cosine", "--seed", "4", "--threads", "1", "--run-dir", runDir.path]
    }

    func train(_ runDir: URL, epochs: Int = 2, resume: Bool = false) throws -> FunnelProcess {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try FunnelProcess(trainArguments(runDir, epochs: epochs) + (resume ? ["--resume"] : []), logDirectory: directory)
    }

    @Test func aKilledRunIsListedAsLostAndResumesAndIsNeverTrainedTwice() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let runDir = directory.appendingPathComponent("killed")
        let checkpoint = runDir.appendingPathComponent("resnet20-relu-s4/checkpoint.safetensors")
        let store = { try RunStore(directory: runDir) }
        let training = try train(runDir)
        #expect(try waitUntil(timeout: 120) {
            try FileManager.default.fileExists(atPath: runDir.appendingPathComponent("runs.sqlite").path)
                && store().runs().first?.checkpoint != nil
        })
        // Paused (it still holds the run), so that it cannot finish while the others try.
        training.signal(SIGSTOP)
        for resume in [false, true] {
            let second = try train(runDir, resume: resume).wait()
            #expect(second.status != 0 && second.output.contains("run 'resnet20-relu-s4' is being trained in \(checkpoint.deletingLastPathComponent().path)"),
                    "\(second.output)")
        }
        let alive = try #require(try store().runs().first)
        #expect(alive.status == .running && !alive.isLost && (alive.heartbeatAge ?? .infinity) < RunRecord.lostAfterSeconds, "\(alive)")

        training.signal(SIGKILL)
        _ = training.wait()
        let written = try Data(contentsOf: checkpoint)
        let fresh = try train(runDir).wait()
        #expect(fresh.status != 0 && fresh.output.contains("already has a checkpoint, \(checkpoint.path), which a new run would overwrite"),
                "\(fresh.output)")
        #expect(try Data(contentsOf: checkpoint) == written)
        #expect(try store().runs().count == 1)

        // Minutes on, with nothing saying it is alive (its heartbeat set back), it is lost.
        let past = try store()
        _ = try past.backend.write { tx in try tx.execute("UPDATE run SET heartbeat_at = \(past.dialect.nowPlusSeconds)", [-600.0]) }
        #expect(try store().runs().first?.isLost == true)
        let listed = try FunnelProcess(["runs", "list", "--run-dir", runDir.path], logDirectory: directory).wait()
        #expect(listed.status == 0 && listed.output.contains("  lost  ") && listed.output.contains("lost: marked running, but its process"),
                "\(listed.output)")
        // Started, as the store has it, by another build: the resume says so, and its epochs record this one.
        _ = try past.backend.write { tx in try tx.execute("UPDATE run SET git_commit = '0000000000aa'") }
        let resumed = try train(runDir, resume: true).wait()
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("note: run 'resnet20-relu-s4' was started by Funnel commit 0000000000aa; this build is "
                                        + (FunnelBuild.sourceCommit ?? "from sources outside git")), "\(resumed.output)")
        let finished = try store().runs()
        #expect(finished.count == 1 && finished[0].status == .finished && finished[0].summary.epochs == 2, "\(finished)")
        #expect(try store().epochs(of: finished[0].id).map(\.commit) == [FunnelBuild.sourceCommit, FunnelBuild.sourceCommit])
    }

    /// `funnel train 2>&1 | head`: the reader goes, and the run trains on to its end instead of dying
    /// marked running.
    @Test func aClosedOutputDoesNotKillTraining() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let runDir = directory.appendingPathComponent("piped")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: funnelExecutable)
        process.arguments = trainArguments(runDir, epochs: 1)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        #expect(String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self).contains("resnet20-relu-s4"))
        try pipe.fileHandleForReading.close()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0,
                "ended by \(process.terminationReason == .exit ? "exit" : "signal") \(process.terminationStatus)")
        let runs = try RunStore(directory: runDir).runs()
        #expect(runs.count == 1 && runs[0].status == .finished && runs[0].summary.epochs == 1, "\(runs)")
    }
}
