import Foundation
import FunnelTestSupport
import Testing
import FunnelTrain
@testable import FunnelLab

/// `funnel experiment submit --slurm` against the one-node Slurm cluster `test.sh` starts, with
/// PostgreSQL as the store.
@Suite(.serialized, .enabled(if: TestServices.runSlurm, "needs Slurm and PostgreSQL: run through ./test.sh"))
struct SlurmTests {
    let scratch: PostgresScratch
    var directory: URL { scratch.directory }
    var database: TestServices.PostgresDatabase { scratch.database }
    var store: RunStore { scratch.store }

    init() throws {
        _ = try TestServices.require(TestServices.slurm ? true : nil, "Slurm ($FUNNEL_TEST_SLURM)")
        scratch = try PostgresScratch("slurm")
    }

    func cleanUp() { scratch.cleanUp() }

    /// Writes `spec`, submits it with `funnel experiment submit --slurm`, and returns the job id.
    func submit(_ spec: ExperimentSpec, workers: Int) throws -> String {
        let file = directory.appendingPathComponent("\(spec.name).yaml")
        try ExperimentYAML.write(spec, to: file)
        let submit = try FunnelProcess(["experiment", "submit", file.path, "--slurm", "--workers", "\(workers)", "--cpus-per-task", "1",
                                        "--lease", "10", "--store", database.url, "--run-dir", directory.appendingPathComponent("runs").path],
                                       logDirectory: directory)
        let (status, output) = submit.wait()
        guard status == 0, let line = output.split(separator: "\n").first(where: { $0.hasPrefix("submitted job ") }) else {
            throw ExperimentError("submit failed: \(output)")
        }
        return String(line.dropFirst("submitted job ".count).prefix { $0.isNumber })
    }

    /// The job's array tasks still known to Slurm (pending or running).
    func queued(_ job: String) throws -> Int {
        try TestServices.command("squeue", "-h", "-r", "-j", job, "-o", "%i %T").output.split(separator: "\n").count
    }

    @Test func aSubmittedGridCompletes() throws {
        defer { cleanUp() }
        let spec = tinyGrid("slurm4", acts: ["relu", "mish"], seeds: [0, 1])
        let job = try submit(spec, workers: 2)
        let script = try String(contentsOf: directory.appendingPathComponent("runs/slurm/slurm4.sbatch"), encoding: .utf8)
        #expect(script.contains("#SBATCH --array=0-3%2") && script.contains("#SBATCH --requeue") && script.contains("#SBATCH --signal=B:USR1@120"))
        #expect(try waitUntil(timeout: 240) { try store.cellCounts(experiment: "slurm4")[.done] == 4 })
        #expect(try waitUntil(timeout: 60) { try queued(job) == 0 })
        #expect(try store.runs(RunFilter(experiment: "slurm4")).count == 4)
        let logs = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("runs/slurm").path)
        #expect(logs.filter { $0.hasSuffix(".out") }.count == 4)
    }

    @Test func aRequeuedTaskResumesItsCell() throws {
        defer { cleanUp() }
        let spec = tinyGrid("requeue", acts: ["relu"], seeds: [7], epochs: 6, images: 32)
        let job = try submit(spec, workers: 1)
        #expect(try waitUntil(timeout: 120) { try store.cellProgress(experiment: "requeue").first?.epochsDone ?? 0 >= 1 })
        let requeue = try TestServices.command("scontrol", "requeue", "\(job)_0")
        #expect(requeue.status == 0, "\(requeue.output)")
        #expect(try waitUntil(timeout: 240) { try store.cellCounts(experiment: "requeue")[.done] == 1 })
        let cell = try #require(try store.cells(experiment: "requeue").first)
        // The worker checkpointed and gave the cell back; the requeued task resumed it.
        let history = try store.attempts(ofCell: cell.id)
        #expect(history.map(\.outcome) == [.released, .done])
        #expect(history.first?.error == "SIGTERM" || history.first?.error == "SIGUSR1")
        #expect(cell.attempts == 1 && cell.claim == 2)
        let runs = try store.runs(RunFilter(experiment: "requeue"))
        #expect(runs.count == 1 && runs[0].summary.epochs == 6 && runs[0].status == .finished)
        #expect(try metricsByCell(store, experiment: "requeue") == referenceRun(spec, directory: directory))
    }

    @Test func sweepAgentsSubmittedToSlurmFinishTheGrid() throws {
        defer { cleanUp() }
        let yaml = """
            method: grid
            metric: {name: train_loss, goal: minimize}
            parameters:
              act: {values: [relu, swish, gelu]}
            recipe: {model: resnet20, data: synthetic, epochs: 1, batch_size: 4, synthetic_train: 8, synthetic_test: 8}
            """
        let id = try store.createSweep(name: "slurm-grid", spec: yaml, seed: 0)
        let submit = try FunnelProcess(["sweep", "submit", "\(id)", "--slurm", "--workers", "2", "--cpus-per-task", "1", "--store", database.url,
                                        "--run-dir", directory.appendingPathComponent("runs").path], logDirectory: directory).wait()
        #expect(submit.status == 0, "\(submit.output)")
        #expect(try waitUntil(timeout: 240) { try store.sweepRuns(id).filter { $0.status == .finished }.count == 3 })
        let runs = try store.sweepRuns(id)
        #expect(runs.count == 3 && Set(runs.map(\.assignment)) == [#"{"act":"relu"}"#, #"{"act":"swish"}"#, #"{"act":"gelu"}"#])
    }

    /// Slurm's warning before a time limit (`--signal=B:USR1@120`) reaches only the batch shell; the
    /// script passes it on, and the worker checkpoints and gives its cell back.
    @Test func theBatchScriptPassesUSR1ToTheWorker() throws {
        defer { cleanUp() }
        let spec = tinyGrid("usr1", acts: ["mish"], seeds: [2], epochs: 6, images: 32)
        let job = try submit(spec, workers: 1)
        #expect(try waitUntil(timeout: 120) { try store.cellProgress(experiment: "usr1").first?.epochsDone ?? 0 >= 1 })
        let signal = try TestServices.command("scancel", "--batch", "--signal=USR1", "\(job)_0")
        #expect(signal.status == 0, "\(signal.output)")
        #expect(try waitUntil(timeout: 60) { try queued(job) == 0 })
        let cell = try #require(try store.cells(experiment: "usr1").first)
        #expect(cell.status == .pending)
        #expect(try store.attempts(ofCell: cell.id).map(\.outcome) == [.released])
        #expect(try store.attempts(ofCell: cell.id).first?.error == "SIGUSR1")
        // Any worker finishes it, with the numbers of an uninterrupted run.
        let worker = try FunnelProcess(["experiment", "work", "--experiment", "usr1", "--store", database.url, "--run-dir",
                                        directory.appendingPathComponent("runs").path, "--threads", "1"], logDirectory: directory).wait()
        #expect(worker.status == 0, "\(worker.output)")
        #expect(try metricsByCell(store, experiment: "usr1") == referenceRun(spec, directory: directory))
    }
}
