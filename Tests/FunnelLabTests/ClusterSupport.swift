import Foundation
import FunnelLab
import FunnelTestSupport
import FunnelTrain

/// The `funnel` executable `swift build --build-tests` made beside the tests.
let funnelExecutable: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent(".build/debug/funnel").path

/// A `funnel` process on a "machine": a network namespace of its own and a host name of its own
/// (`unshare --uts`), as `test.sh` sets them up. Without a namespace it runs here.
final class FunnelProcess: @unchecked Sendable {
    let process = Process()
    let log: URL

    init(_ arguments: [String], namespace: String? = nil, hostname: String? = nil, environment: [String: String] = [:],
         workingDirectory: URL? = nil, logDirectory: URL) throws {
        log = logDirectory.appendingPathComponent("\(hostname ?? "local")-\(UUID().uuidString.prefix(6)).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        var command = [funnelExecutable] + arguments
        if let namespace {
            // `ip netns exec` and `unshare` exec what they run, and so does `sh -c 'exec …'`: the
            // process started here is the worker itself, so signals sent to it reach the worker.
            command = ["ip", "netns", "exec", namespace, "unshare", "--uts", "sh", "-c", "hostname \(hostname ?? namespace); exec \"$@\"", "sh"] + command
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        var env = ProcessInfo.processInfo.environment
        // Many processes on two cores: no spinning OpenMP threads (and no re-exec to set it).
        env["OMP_WAIT_POLICY"] = "passive"
        env.removeValue(forKey: StoreLocation.environmentVariable)
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Waits for the process and returns its exit status and everything it printed.
    func wait() -> (status: Int32, output: String) {
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }
}

/// Polls `condition` every 0.1 s until it holds or `timeout` seconds pass; returns whether it held.
@discardableResult
func waitUntil(timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.1)
    }
    return try condition()
}

/// A grid small enough to train many times over in a debug build: ResNet-20 on a handful of
/// synthetic images, one thread.
func tinyGrid(_ name: String, acts: [String], seeds: [UInt64], epochs: Int = 1, images: Int = 8) -> ExperimentSpec {
    var recipe = TrainConfig()
    recipe.model = "resnet20"
    recipe.epochs = epochs
    recipe.batchSize = 4
    recipe.syntheticTrain = images
    recipe.syntheticTest = images
    recipe.schedule = .cosine
    return ExperimentSpec(name: name, models: ["resnet20"], acts: acts, datasets: ["synthetic"], seeds: seeds, recipe: recipe)
}

/// Every cell's epochs as (train loss, test loss, test top-1) rows, by cell key: what must match
/// between two runs of the same grid.
func metricsByCell(_ store: RunStore, experiment: String) throws -> [String: [[Double?]]] {
    var out: [String: [[Double?]]] = [:]
    for cell in try store.cells(experiment: experiment) {
        guard let run = cell.runID else { continue }
        out[cell.key] = try store.epochs(of: run).map { [$0.trainLoss, $0.testLoss, $0.testTop1] }
    }
    return out
}

/// Trains `spec`'s cells with one worker process on a SQLite store of its own: the reference a
/// distributed run must match.
func referenceRun(_ spec: ExperimentSpec, directory: URL) throws -> [String: [[Double?]]] {
    let runDirectory = directory.appendingPathComponent("reference")
    let runner = try ExperimentRunner(spec: spec, runDirectory: runDirectory)
    try runner.enqueue()
    let worker = try FunnelProcess(["experiment", "work", "--experiment", spec.name, "--run-dir", runDirectory.path, "--threads", "1"],
                                   logDirectory: directory)
    let (status, output) = worker.wait()
    guard status == 0 else { throw ExperimentError("reference worker failed: \(output)") }
    return try metricsByCell(runner.store, experiment: spec.name)
}

/// A scratch folder and a fresh PostgreSQL database with a run store on it: what every test that
/// runs real workers starts from. `cleanUp()` drops both.
struct PostgresScratch {
    let directory: URL
    let database: TestServices.PostgresDatabase
    let store: RunStore

    init(_ label: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = try TestServices.PostgresDatabase(label)
        store = try RunStore(StoreLocation(parsing: database.url))
    }

    func cleanUp() {
        database.drop()
        try? FileManager.default.removeItem(at: directory)
    }
}
