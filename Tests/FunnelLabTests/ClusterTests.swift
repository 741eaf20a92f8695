import Foundation
import FunnelTestSupport
import Testing
import FunnelTrain
import FunnelStats
@testable import FunnelLab

/// The cell queue across "machines": workers in two network namespaces with host names of their
/// own, all reaching one PostgreSQL server over a bridge (see `scripts/test-services.sh`).
/// Workers are the real `funnel experiment work` processes.
@Suite(.serialized, .enabled(if: TestServices.runCluster, "needs PostgreSQL and network namespaces: run through ./test.sh"))
struct ClusterTests {
    let scratch: PostgresScratch
    let bridge: String
    let nodes: [String]
    var directory: URL { scratch.directory }
    var database: TestServices.PostgresDatabase { scratch.database }
    var store: RunStore { scratch.store }

    init() throws {
        scratch = try PostgresScratch("cluster")
        bridge = try TestServices.require(scratch.database.bridgeURL, "the bridge address of PostgreSQL ($FUNNEL_TEST_POSTGRES_BRIDGE)")
        nodes = TestServices.namespaces
        guard nodes.count >= 2 else { throw TestServices.ServiceMissing(what: "two network namespaces ($FUNNEL_TEST_NETNS)") }
    }

    func cleanUp() { scratch.cleanUp() }

    /// A worker on node `node` (0 or 1) with host name `host`.
    func worker(_ node: Int, _ host: String, experiment: String, store url: String? = nil, lease: Double = 30,
                extra: [String] = []) throws -> FunnelProcess {
        try FunnelProcess(["experiment", "work", "--experiment", experiment, "--store", url ?? bridge,
                           "--run-dir", directory.appendingPathComponent("runs").path, "--threads", "1", "--lease", "\(lease)"] + extra,
                          namespace: nodes[node], hostname: host, logDirectory: directory)
    }

    @Test func fourWorkersOnTwoMachinesDrainAGridExactlyOnce() throws {
        defer { cleanUp() }
        let spec = tinyGrid("grid40", acts: ["relu", "swish", "mish", "gelu"], seeds: Array(0..<10))
        #expect(spec.cells().count == 40)
        try ExperimentRunner(spec: spec, runDirectory: directory.appendingPathComponent("runs"), store: store).enqueue()
        let workers = try [(0, "node-a1"), (0, "node-a2"), (1, "node-b1"), (1, "node-b2")].map { try worker($0.0, $0.1, experiment: "grid40") }
        for w in workers {
            let (status, output) = w.wait()
            #expect(status == 0, "worker failed: \(output)")
        }
        let cells = try store.cells(experiment: "grid40")
        #expect(cells.count == 40 && cells.allSatisfy { $0.status == .done && $0.claim == 1 && $0.attempts == 1 })
        // Done exactly once: one attempt per cell, one run per cell, nothing recorded twice.
        for cell in cells { #expect(try store.attempts(ofCell: cell.id).map(\.outcome) == [.done]) }
        let runs = try store.runs(RunFilter(experiment: "grid40"))
        #expect(runs.count == 40 && Set(runs.map(\.spec.name)).count == 40 && runs.allSatisfy { $0.status == .finished })
        // Both machines worked, each worker under an id of its own.
        let hosts = Set(cells.compactMap { $0.claimedBy?.split(separator: ":").first.map(String.init) })
        #expect(hosts.contains { $0.hasPrefix("node-a") } && hosts.contains { $0.hasPrefix("node-b") })
        #expect(Set(cells.compactMap(\.claimedBy)).count >= 3)
        // The same numbers as one worker on its own.
        let distributed = try metricsByCell(store, experiment: "grid40")
        let reference = try referenceRun(spec, directory: directory)
        #expect(distributed.count == 40)
        #expect(distributed == reference)

        // The reading commands work on the PostgreSQL store as on SQLite.
        let list = try FunnelProcess(["runs", "list", "--store", database.url, "--experiment", "grid40"], logDirectory: directory).wait()
        #expect(list.status == 0 && list.output.split(separator: "\n").filter { $0.contains("resnet20/synthetic") || $0.contains("finished") }.count == 40,
                "\(list.output)")
        let status = try FunnelProcess(["experiment", "status", "--experiment", "grid40", "--store", database.url], logDirectory: directory).wait()
        #expect(status.status == 0 && status.output.contains("grid40: 40 cells: 40 done, 0 running, 0 pending, 0 failed"), "\(status.output)")
        let report = try ReportData.load(runDirectory: directory.appendingPathComponent("runs"), store: StoreLocation(parsing: database.url),
                                         experiment: "grid40")
        #expect(report.groups.map(\.act).sorted() == ["gelu", "mish", "relu", "swish"] && report.groups.allSatisfy { $0.runs.count == 10 })
    }

    @Test func aKilledWorkersCellIsFinishedElsewhereFromItsCheckpoint() throws {
        defer { cleanUp() }
        let spec = tinyGrid("killed", acts: ["relu"], seeds: [3], epochs: 4, images: 16)
        try ExperimentRunner(spec: spec, runDirectory: directory.appendingPathComponent("runs"), store: store).enqueue()
        // A short lease, so the test does not wait long for it to run out, but not so short that a
        // heartbeat delayed on a loaded 2-core machine loses the cell before it is killed.
        let first = try worker(0, "node-a1", experiment: "killed", lease: 6)
        // Kill it (no chance to checkpoint or say goodbye) once it has recorded an epoch.
        #expect(try waitUntil(timeout: 120) { try store.cellProgress(experiment: "killed").first?.epochsDone ?? 0 >= 1 })
        first.signal(SIGKILL)
        _ = first.wait()
        let progressAtKill = try #require(try store.cellProgress(experiment: "killed").first)
        #expect(progressAtKill.cell.status == .running && progressAtKill.epochsDone < 4)
        // Its lease runs out; a worker on the other machine takes the cell and resumes it.
        #expect(try waitUntil(timeout: 60) { (try store.cellProgress(experiment: "killed").first?.leaseLeft ?? 1) < 0 })
        let second = try worker(1, "node-b1", experiment: "killed")
        let (status, output) = second.wait()
        #expect(status == 0, "\(output)")
        #expect(output.contains("claim 2"))
        let cell = try #require(try store.cells(experiment: "killed").first)
        #expect(cell.status == .done && cell.claimedBy?.hasPrefix("node-b1:") == true)
        #expect(try store.attempts(ofCell: cell.id).map(\.outcome) == [.expired, .done])
        let run = try store.run(try #require(cell.runID))
        #expect(run.status == .finished && run.summary.epochs == 4)
        #expect(try store.runs(RunFilter(experiment: "killed")).count == 1)
        // Resumed, not restarted: the result equals an uninterrupted run.
        #expect(try metricsByCell(store, experiment: "killed") == referenceRun(spec, directory: directory))
    }

    @Test func aCutOffWorkerCannotWriteOverTheCellsNewOwner() throws {
        defer { cleanUp() }
        let spec = tinyGrid("cutoff", acts: ["swish"], seeds: [5], epochs: 4, images: 16)
        try ExperimentRunner(spec: spec, runDirectory: directory.appendingPathComponent("runs"), store: store).enqueue()
        // Short timeouts so the cut is noticed quickly; retries long enough to outlast the cut.
        let impatient = bridge + "?connect_timeout=1&timeout=2&retry=120"
        let cutOff = try worker(0, "node-a1", experiment: "cutoff", store: impatient, lease: 2)
        #expect(try waitUntil(timeout: 120) { try store.cellProgress(experiment: "cutoff").first?.epochsDone ?? 0 >= 1 })
        // Pull node a's cable: its worker can neither renew its lease nor record anything.
        let veth = "fnl-veth-" + nodes[0].split(separator: "-").last!
        try ip("link", "set", veth, "down")
        defer { try? ip("link", "set", veth, "up") }
        #expect(try waitUntil(timeout: 30) { (try store.cellProgress(experiment: "cutoff").first?.leaseLeft ?? 1) < 0 })
        let replacement = try worker(1, "node-b1", experiment: "cutoff")
        let (status, output) = replacement.wait()
        #expect(status == 0, "\(output)")
        // Cable back: the first worker reconnects, and its late writes are refused.
        try ip("link", "set", veth, "up")
        let (lateStatus, lateOutput) = cutOff.wait()
        #expect(lateStatus == 0, "\(lateOutput)")
        #expect(lateOutput.contains("lost the cell"), "\(lateOutput)")
        let cell = try #require(try store.cells(experiment: "cutoff").first)
        #expect(cell.status == .done && cell.claim == 2 && cell.claimedBy?.hasPrefix("node-b1:") == true)
        #expect(try store.attempts(ofCell: cell.id).map(\.outcome) == [.expired, .done])
        let runs = try store.runs(RunFilter(experiment: "cutoff"))
        #expect(runs.count == 1 && runs[0].summary.epochs == 4 && runs[0].status == .finished)
        #expect(runs[0].checkpoint?.hasSuffix("/checkpoint.safetensors") == true)
        #expect(try metricsByCell(store, experiment: "cutoff") == referenceRun(spec, directory: directory))
    }

    @Test func threeAgentsOnTwoMachinesShareABayesianSweep() throws {
        defer { cleanUp() }
        let yaml = """
            method: bayes
            metric: {name: train_loss, goal: minimize}
            run_cap: 7
            parameters:
              act: {values: [relu, swish, mish, gelu]}
              lr: {values: [0.01, 0.03, 0.1]}
            recipe: {model: resnet20, data: synthetic, epochs: 1, batch_size: 4, synthetic_train: 8, synthetic_test: 8, schedule: cosine}
            """
        let definition = try SweepDefinition(name: "bayes", yaml: yaml, seed: 3)
        let id = try store.createSweep(name: "bayes", spec: yaml, seed: 3)
        let agents = try [(0, "node-a1"), (0, "node-a2"), (1, "node-b1")].map { node, host in
            try FunnelProcess(["sweep", "agent", "\(id)", "--store", bridge, "--run-dir", directory.appendingPathComponent("runs").path,
                               "--threads", "1", "--lease", "30"], namespace: nodes[node], hostname: host, logDirectory: directory)
        }
        for agent in agents {
            let (status, output) = agent.wait()
            #expect(status == 0, "agent failed: \(output)")
        }
        let runs = try store.sweepRuns(id)
        // run_cap exactly, no point twice, every run finished with its metric, on both machines.
        #expect(runs.count == 7 && runs.map(\.number) == Array(1...7))
        #expect(Set(runs.map(\.assignment)).count == 7)
        #expect(runs.allSatisfy { $0.status == .finished && $0.metric != nil && $0.history.count == 1 })
        let hosts = Set(runs.compactMap { $0.claimedBy?.split(separator: ":").first.map(String.init) })
        #expect(hosts.contains { $0.hasPrefix("node-a") } && hosts.contains { $0.hasPrefix("node-b") })
        #expect(try store.runs(RunFilter(experiment: "bayes")).count == 7)
        for run in runs {
            // Each proposal is exactly the search's answer to the results it records having seen...
            let seen = try runs.filter { $0.number < run.number }.map {
                SweepObservation(assignment: try SweepAssignment(storageKey: $0.assignment), metric: run.informedBy.contains($0.number) ? $0.metric : nil)
            }
            #expect(definition.sweep.nextRun(history: seen)?.storageKey == run.assignment)
            // ...and it saw every run that had finished before it was proposed.
            for earlier in runs where earlier.number < run.number {
                if let ended = earlier.endedAt, ended.addingTimeInterval(0.5) < run.startedAt { #expect(run.informedBy.contains(earlier.number)) }
            }
        }
        #expect(runs.last!.informedBy.count >= 3)
    }

    private func ip(_ arguments: String...) throws {
        let result = try TestServices.command(["ip"] + arguments)
        guard result.status == 0 else { throw ExperimentError("ip \(arguments.joined(separator: " ")) failed: \(result.output)") }
    }
}
