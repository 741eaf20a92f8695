import Foundation
import Testing
import FunnelTestSupport
@testable import FunnelTrain

/// Which database a store test runs against. Every store test runs on each available backend.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    /// SQLite always; PostgreSQL when the test server is up, or under CI (where its absence fails).
    static var available: [StoreBackend] { TestServices.runPostgres ? [.sqlite, .postgres] : [.sqlite] }

    var testDescription: String { rawValue }

    /// Where the store records the schema steps it went through.
    var migrationsTable: String { self == .sqlite ? "grdb_migrations" : "funnel_migrations" }
}

/// A store in a fresh temporary directory (SQLite) or a fresh database (PostgreSQL); tests call
/// `remove()` in a `defer` (a deinit could run as soon as the fixture's last use, deleting the
/// store under a still-open connection).
final class TemporaryStore {
    let directory: URL
    let location: StoreLocation
    let store: RunStore
    private let database: TestServices.PostgresDatabase?

    init(_ backend: StoreBackend = .sqlite, _ label: String = #function) throws {
        directory = try makeTemporaryDirectory(label)
        switch backend {
        case .sqlite:
            database = nil
            location = .sqlite(path: directory.appendingPathComponent(RunStore.fileName).path)
        case .postgres:
            let database = try TestServices.PostgresDatabase(label)
            self.database = database
            location = try StoreLocation(parsing: database.url)
        }
        store = try RunStore(location)
    }

    /// Another connection to the same store, as a second process would open it.
    func reopen() throws -> RunStore { try RunStore(location) }

    func remove() {
        database?.drop()
        try? FileManager.default.removeItem(at: directory)
    }
}

let testMachine = Machine(host: "box", cpu: "Test CPU, 2 cores", threads: 2)
let t0 = Date(timeIntervalSince1970: 1_700_000_000) // 2023-11-14T22:13:20Z

func spec(_ name: String, experiment: String? = "exp", model: String = "resnet20", act: String = "relu",
          seed: Int = 0, config: String = "{}") -> RunSpec {
    RunSpec(name: name, experiment: experiment, config: config, model: model, act: act, dataset: "cifar10",
            seed: seed, gitCommit: "abc123", machine: testMachine)
}

@Suite struct RunStoreTests {
    @Test(arguments: StoreBackend.available) func createsAndReadsBackARun(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let store = fixture.store
        let config = try RunSpec.json(["lr": 0.1, "epochs": 30])
        let created = try store.createRun(spec("r1", config: config), startedAt: t0)
        #expect(created.id > 0)
        #expect(created.status == .running)
        let read = try store.run(created.id)
        #expect(read == created)
        #expect(read.spec.config == #"{"epochs":30,"lr":0.1}"#)
        #expect(read.spec.machine == testMachine)
        #expect(read.startedAt == t0)
        #expect(read.endedAt == nil)
        #expect(try store.createRun(spec("r2"), startedAt: t0).id == created.id + 1)
        // Another connection sees the same data.
        #expect(try fixture.reopen().run(created.id) == created)
    }

    @Test(arguments: StoreBackend.available) func rejectsConfigThatIsNotJSON(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        #expect(throws: RunStoreError.self) { try fixture.store.createRun(spec("bad", config: "{lr: 0.1")) }
        #expect(try fixture.store.runs().isEmpty)
    }

    @Test(arguments: StoreBackend.available) func unknownRunsAreReported(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let path = fixture.store.path
        #expect(throws: RunStoreError.noSuchRun(id: 42, store: path)) { try fixture.store.run(42) }
        #expect(throws: RunStoreError.noSuchRun(id: 42, store: path)) { try fixture.store.appendEpoch(EpochRecord(runID: 42, epoch: 1)) }
        #expect(throws: RunStoreError.noSuchRun(id: 42, store: path)) { try fixture.store.finishRun(42) }
        #expect(RunStoreError.noSuchRun(id: 42, store: "x.sqlite").description == "x.sqlite: no run with id 42")
    }

    @Test(arguments: StoreBackend.available) func epochsKeepTheSummaryCurrent(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let store = fixture.store
        let id = try store.createRun(spec("r"), startedAt: t0).id
        try store.appendEpoch(EpochRecord(runID: id, epoch: 1, trainLoss: 2.0, testLoss: 1.5, testTop1: 40, testTop5: 80, lr: 0.1))
        try store.appendEpoch(EpochRecord(runID: id, epoch: 2, trainLoss: 1.0, testLoss: 1.0, testTop1: 70, testTop5: 95, lr: 0.1,
                                          extra: ["ece": 0.05]))
        // Epoch 3 skipped evaluation: final test metrics come from epoch 2.
        try store.appendEpoch(EpochRecord(runID: id, epoch: 3, trainLoss: 0.5, lr: 0.01))
        var summary = try store.run(id).summary
        #expect(summary.epochs == 3)
        #expect(summary.bestTestTop1 == 70 && summary.bestEpoch == 2)
        #expect(summary.finalTestTop1 == 70 && summary.finalTestTop5 == 95 && summary.finalTestLoss == 1.0)
        #expect(summary.finalTrainLoss == 0.5)

        // Re-recording an epoch (a resumed run) replaces it.
        try store.appendEpoch(EpochRecord(runID: id, epoch: 2, trainLoss: 1.1, testLoss: 0.9, testTop1: 72, testTop5: 96, lr: 0.1))
        let epochs = try store.epochs(of: id)
        #expect(epochs.map(\.epoch) == [1, 2, 3])
        #expect(epochs[1].testTop1 == 72 && epochs[1].extra.isEmpty)
        summary = try store.run(id).summary
        #expect(summary.bestTestTop1 == 72 && summary.epochs == 3)
    }

    @Test(arguments: StoreBackend.available) func epochFieldsRoundTrip(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let store = fixture.store
        let id = try store.createRun(spec("r"), startedAt: t0).id
        let epoch = EpochRecord(runID: id, epoch: 0, trainLoss: 0.25, trainAcc: 91.5, testLoss: 0.375, testTop1: 88.25,
                                testTop5: 99.5, lr: 0.05, seconds: 180.5, imagesPerSecond: 277,
                                extra: ["grad_norm": 3.5, "inf": .infinity])
        try store.appendEpoch(epoch)
        #expect(try store.epochs(of: id) == [epoch])
        // SQLite has no NaN: a diverged loss reads back as missing rather than failing the write.
        try store.appendEpoch(EpochRecord(runID: id, epoch: 1, trainLoss: .nan, extra: ["nan": .nan]))
        let diverged = try store.epochs(of: id)[1]
        #expect(diverged.trainLoss == nil)
        #expect(diverged.extra["nan"]?.isNaN == true)
    }

    @Test(arguments: StoreBackend.available) func statusChanges(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let store = fixture.store
        let id = try store.createRun(spec("r"), startedAt: t0).id
        try store.setCheckpoint(id, path: "runs/r/epoch-1.safetensors")
        try store.updateStatus(id, to: .interrupted, at: t0.addingTimeInterval(60))
        var run = try store.run(id)
        #expect(run.status == .interrupted && run.endedAt == t0.addingTimeInterval(60))
        // Resumed: running again, no end time.
        try store.updateStatus(id, to: .running)
        run = try store.run(id)
        #expect(run.status == .running && run.endedAt == nil)
        try store.finishRun(id, at: t0.addingTimeInterval(120))
        run = try store.run(id)
        #expect(run.status == .finished && run.endedAt == t0.addingTimeInterval(120))
        #expect(run.checkpoint == "runs/r/epoch-1.safetensors") // kept when finish names none
        try store.finishRun(id, checkpoint: "runs/r/final.safetensors", at: t0.addingTimeInterval(120))
        #expect(try store.run(id).checkpoint == "runs/r/final.safetensors")

        let failing = try store.createRun(spec("f"), startedAt: t0).id
        try store.failRun(failing, error: "loss is NaN at epoch 3", at: t0.addingTimeInterval(30))
        run = try store.run(failing)
        #expect(run.status == .failed && run.error == "loss is NaN at epoch 3")
        #expect(run.endedAt == t0.addingTimeInterval(30))
    }

    /// A running run whose process stops saying it is alive is lost; one that has ended never is;
    /// a store made before runs had heartbeats gains the column and calls its old runs running.
    @Test(arguments: StoreBackend.available) func aSilentRunningRunIsLost(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let old = try fixture.store.createRun(spec("old")).id
        try fixture.store.backend.write { tx in
            try tx.execute("ALTER TABLE run DROP COLUMN heartbeat_at")
            try tx.execute("DELETE FROM \(backend.migrationsTable) WHERE identifier = 'v3: run heartbeat'")
        }
        let store = try fixture.reopen()
        let before = try store.run(old)
        #expect(before.heartbeatAge == nil && !before.isLost && before.statusLabel == "running")

        let id = try store.createRun(spec("r")).id
        let fresh = try store.run(id)
        #expect((fresh.heartbeatAge ?? .infinity) < RunRecord.lostAfterSeconds && !fresh.isLost && fresh.statusLabel == "running")
        let silence = { (seconds: Double) in
            _ = try store.backend.write { tx in try tx.execute("UPDATE run SET heartbeat_at = \(store.dialect.nowPlusSeconds)", [-seconds]) }
        }
        try silence(RunRecord.lostAfterSeconds - 10)
        #expect(try !store.run(id).isLost)
        try silence(RunRecord.lostAfterSeconds + 10)
        let lost = try store.run(id)
        #expect(lost.isLost && lost.statusLabel == "lost" && lost.heartbeatAge! > RunRecord.lostAfterSeconds, "\(lost)")
        #expect(try store.runs().map(\.statusLabel) == ["lost", "lost"])
        // Said alive again (a heartbeat, an epoch, a resume), it is running.
        try store.touchRun(id)
        #expect(try !store.run(id).isLost)
        try silence(600)
        try store.appendEpoch(EpochRecord(runID: id, epoch: 1, trainLoss: 2.0))
        #expect(try !store.run(id).isLost)
        try silence(600)
        try store.updateStatus(id, to: .interrupted)
        #expect(try store.run(id).statusLabel == "interrupted")
        try store.updateStatus(id, to: .running)
        #expect(try !store.run(id).isLost)
        // An ended run is never lost, and a heartbeat does not revive it.
        try store.finishRun(id)
        try silence(600)
        try store.touchRun(id)
        let finished = try store.run(id)
        #expect(finished.status == .finished && !finished.isLost && finished.heartbeatAge! > 590)
    }

    /// Each epoch records the build that trained it; a store made before epochs did gains the
    /// column, and its old epochs read none.
    @Test(arguments: StoreBackend.available) func anEpochRecordsTheBuildThatTrainedIt(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let id = try fixture.store.createRun(spec("r")).id
        try fixture.store.appendEpoch(EpochRecord(runID: id, epoch: 1, trainLoss: 2.0))
        try fixture.store.backend.write { tx in
            try tx.execute("ALTER TABLE epoch DROP COLUMN git_commit")
            try tx.execute("DELETE FROM \(backend.migrationsTable) WHERE identifier = 'v4: epoch commit'")
        }
        let store = try fixture.reopen()
        #expect(try store.epochs(of: id).map(\.commit) == [nil])
        try store.appendEpoch(EpochRecord(runID: id, epoch: 2, trainLoss: 1.5, commit: "1cb1678de345"))
        try store.appendEpoch(EpochRecord(runID: id, epoch: 3, trainLoss: 1.0, commit: "9911e9c7ae05-dirty"))
        #expect(try store.epochs(of: id).map(\.commit) == [nil, "1cb1678de345", "9911e9c7ae05-dirty"])
        // An epoch redone by a resume takes the commit of the build that redid it.
        try store.appendEpoch(EpochRecord(runID: id, epoch: 2, trainLoss: 1.5, commit: "9911e9c7ae05-dirty"))
        #expect(try store.epochs(of: id).map(\.commit) == [nil, "9911e9c7ae05-dirty", "9911e9c7ae05-dirty"])
        // The epoch that names none is the starting build's.
        let detail = try store.detail(id)
        #expect(detail.builds == ["abc123", "9911e9c7ae05-dirty"])
        #expect(detail.buildSpans.map(\.label) == ["abc123 (epoch 1)", "9911e9c7ae05-dirty (epochs 2-3)"])
    }

    /// A store records the schema steps it went through, the same on both backends; one upgraded by
    /// a newer Funnel (a step this one does not know) is refused untouched; a PostgreSQL store made
    /// before the steps were recorded gets them, and the column it lacks.
    @Test(arguments: StoreBackend.available) func aStoreRecordsItsSchemaStepsAndRefusesANewerOne(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let steps = { (store: RunStore) in
            try store.backend.read { tx in try tx.fetch("SELECT identifier FROM \(backend.migrationsTable)").map { try $0["identifier"] as String } }
        }
        let all = ["v1: run, epoch, cell", "v2: leases, attempt history, sweeps", "v3: run heartbeat", "v4: epoch commit"]
        #expect(try steps(fixture.store).sorted() == all)
        let id = try fixture.store.createRun(spec("kept")).id

        let future = "v99: from a newer Funnel"
        _ = try fixture.store.backend.write { tx in try tx.execute("INSERT INTO \(backend.migrationsTable) (identifier) VALUES ('\(future)')") }
        #expect(throws: RunStoreError.newerSchema(store: fixture.store.backend.location, unknown: [future])) { try fixture.reopen() }
        #expect(try steps(fixture.store).sorted() == all + [future])
        _ = try fixture.store.backend.write { tx in try tx.execute("DELETE FROM \(backend.migrationsTable) WHERE identifier = '\(future)'") }
        #expect(try fixture.reopen().run(id).spec.name == "kept")
        #expect(RunStoreError.newerSchema(store: "db", unknown: [future]).description == "db: upgraded by a newer Funnel (schema steps this one "
                + "does not know: 'v99: from a newer Funnel'); it would write rows without what those record. Use that Funnel, or a newer "
                + "one, on every machine that shares the store")

        guard backend == .postgres else { return }
        _ = try fixture.store.backend.write { tx in
            try tx.execute("DROP TABLE funnel_migrations")
            try tx.execute("ALTER TABLE run DROP COLUMN heartbeat_at")
        }
        let upgraded = try fixture.reopen()
        #expect(try steps(upgraded).sorted() == all)
        #expect(try upgraded.run(id).heartbeatAge == nil)
        try upgraded.touchRun(id)
        #expect(try (upgraded.run(id).heartbeatAge ?? .infinity) < 60)
        // Made by the Funnel before this one: the column there, no steps recorded.
        _ = try fixture.store.backend.write { tx in try tx.execute("DROP TABLE funnel_migrations") }
        #expect(try steps(fixture.reopen()).sorted() == all)
        #expect(try (fixture.reopen().run(id).heartbeatAge ?? .infinity) < 60)
    }

    @Test(arguments: StoreBackend.available) func listsWithFilters(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let store = fixture.store
        let a = try store.createRun(spec("a", experiment: "e1", act: "relu"), startedAt: t0).id
        let b = try store.createRun(spec("b", experiment: "e1", act: "frelu"), startedAt: t0).id
        let c = try store.createRun(spec("c", experiment: "e2", model: "resnet18", act: "frelu"), startedAt: t0).id
        let d = try store.createRun(spec("d", experiment: nil, act: "swish"), startedAt: t0).id
        try store.finishRun(b)
        try store.failRun(c, error: "boom")
        func names(_ filter: RunFilter) throws -> [String] { try store.runs(filter).map(\.spec.name) }
        #expect(try names(RunFilter()) == ["a", "b", "c", "d"])
        #expect(try names(RunFilter(experiment: "e1")) == ["a", "b"])
        #expect(try names(RunFilter(act: "frelu")) == ["b", "c"])
        #expect(try names(RunFilter(model: "resnet18")) == ["c"])
        #expect(try names(RunFilter(status: .running)) == ["a", "d"])
        #expect(try names(RunFilter(experiment: "e1", act: "frelu", status: .finished)) == ["b"])
        #expect(try names(RunFilter(experiment: "e1", status: .failed)) == [])
        #expect(try names(RunFilter(ids: [d, a])) == ["a", "d"])
        #expect(try names(RunFilter(dataset: "cifar100")) == [])
    }

    @Test(arguments: StoreBackend.available) func showsARunWithItsEpochs(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let store = fixture.store
        let id = try store.createRun(spec("r"), startedAt: t0).id
        let other = try store.createRun(spec("s"), startedAt: t0).id
        for e in 1...3 { try store.appendEpoch(EpochRecord(runID: id, epoch: e, trainLoss: Double(4 - e))) }
        try store.appendEpoch(EpochRecord(runID: other, epoch: 1, trainLoss: 9))
        let detail = try store.detail(id)
        #expect(detail.run.spec.name == "r")
        #expect(detail.epochs.map(\.trainLoss) == [3, 2, 1])
        #expect(try store.details().map { $0.epochs.count } == [3, 1])
    }

    @Test func parsesMetrics() throws {
        #expect(try RunMetric(parsing: "test_top1") == RunMetric(.final, "test_top1"))
        #expect(try RunMetric(parsing: " max(test_top1) ") == RunMetric(.max, "test_top1"))
        #expect(try RunMetric(parsing: "mean( images_per_second )") == RunMetric(.mean, "images_per_second"))
        for bad in ["", "median(test_top1)", "max(test_top1", "max()", "max(a b)"] {
            #expect(throws: RunStoreError.badMetric(bad)) { try RunMetric(parsing: bad) }
        }
        #expect(RunMetric(.sum, "seconds").description == "sum(seconds)")
        #expect(RunMetric(.final, "lr").description == "lr")
        let epochs = [EpochRecord(runID: 1, epoch: 2, seconds: 3, extra: ["ece": 0.2]),
                      EpochRecord(runID: 1, epoch: 1, seconds: 1, extra: ["ece": 0.4]),
                      EpochRecord(runID: 1, epoch: 3)]
        #expect(RunMetric(.final, "seconds").value(over: epochs) == 3) // last epoch that has it
        #expect(RunMetric(.sum, "seconds").value(over: epochs) == 4)
        #expect(RunMetric(.mean, "ece").value(over: epochs)! == 0.30000000000000004)
        #expect(RunMetric(.min, "ece").value(over: epochs) == 0.2)
        #expect(RunMetric(.max, "test_top1").value(over: epochs) == nil)
    }

    @Test(arguments: StoreBackend.available) func comparesRunsSideBySide(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let store = fixture.store
        let relu = try store.createRun(spec("relu", act: "relu"), startedAt: t0).id
        let frelu = try store.createRun(spec("frelu-long-name", act: "frelu"), startedAt: t0).id
        try store.appendEpoch(EpochRecord(runID: relu, epoch: 1, testLoss: 0.8, testTop1: 80, seconds: 100))
        try store.appendEpoch(EpochRecord(runID: relu, epoch: 2, testLoss: 0.6, testTop1: 85.5, seconds: 102, extra: ["ece": 0.04]))
        try store.appendEpoch(EpochRecord(runID: frelu, epoch: 1, testLoss: 0.7, testTop1: 82.25, seconds: 150))
        try store.finishRun(relu)

        let metrics = try ["max(test_top1)", "min(test_loss)", "sum(seconds)", "ece"].map { try RunMetric(parsing: $0) }
        let comparison = try store.compare([frelu, relu], metrics: metrics)
        #expect(comparison.runs.map(\.id) == [frelu, relu])
        #expect(comparison.values == [[82.25, 0.7, 150, nil], [85.5, 0.6, 202, 0.04]])
        #expect(comparison.table() == """
            id  name             model     act    status    max(test_top1)  min(test_loss)  sum(seconds)     ece
             2  frelu-long-name  resnet20  frelu  running          82.2500          0.7000      150.0000       -
             1  relu             resnet20  relu   finished         85.5000          0.6000      202.0000  0.0400

            """)

        #expect(throws: RunStoreError.unknownMetric("max(test_topl)", known: EpochRecord.fields + ["ece"])) {
            try store.compare([relu], metrics: [RunMetric(.max, "test_topl")])
        }
        #expect(throws: RunStoreError.noSuchRun(id: 99, store: store.path)) {
            try store.compare([relu, 99], metrics: metrics)
        }
    }
}
