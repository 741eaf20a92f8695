import Foundation
import Testing
@testable import FunnelTrain

/// Several connections (threads here, processes in production) writing one store at once.
@Suite struct RunStoreConcurrencyTests {
    @Test(arguments: StoreBackend.available) func concurrentWritersLoseNoRow(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        // Each thread opens its own store: on SQLite a file not yet created, so creation and
        // migration race too.
        let location: StoreLocation = switch fixture.location {
        case .sqlite: .sqlite(path: fixture.directory.appendingPathComponent("fresh.sqlite").path)
        case let other: other
        }
        let writers = 6, epochsEach = 150
        let ids = try onThreads(writers) { w -> Int64 in
            let store = try RunStore(location)
            let id = try store.createRun(spec("w\(w)"), startedAt: t0).id
            for e in 1...epochsEach {
                try store.appendEpoch(EpochRecord(runID: id, epoch: e, trainLoss: Double(w) + Double(e) / 1000, testTop1: Double(e)))
            }
            try store.finishRun(id)
            return id
        }
        let store = try RunStore(location)
        #expect(Set(ids).count == writers)
        let runs = try store.runs()
        #expect(runs.count == writers)
        for run in runs {
            #expect(run.status == .finished)
            #expect(run.summary.epochs == epochsEach)
            #expect(run.summary.bestTestTop1 == Double(epochsEach))
            let w = Double(run.spec.name.dropFirst())!
            #expect(try store.epochs(of: run.id).map(\.trainLoss) == (1...epochsEach).map { w + Double($0) / 1000 })
        }
    }

    /// Other processes (the sqlite3 shell, each in its own IMMEDIATE transactions) insert epochs
    /// while threads of this process append through the store.
    @Test(.enabled(if: findExecutable("sqlite3") != nil, "needs the sqlite3 command-line shell"))
    func concurrentProcessesLoseNoRow() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try RunStore(directory: directory)
        let processes = 3, threads = 2, rowsEach = 200
        let runIDs = try (0..<(processes + threads)).map { try store.createRun(spec("r\($0)"), startedAt: t0).id }

        let children = try (0..<processes).map { p -> ChildProcess in
            var script = ".timeout 60000\n"
            for e in 1...rowsEach {
                script += "BEGIN IMMEDIATE; INSERT INTO epoch (run_id, epoch, train_loss) VALUES (\(runIDs[p]), \(e), 0.5); COMMIT;\n"
            }
            return try ChildProcess(findExecutable("sqlite3")!, [store.path], input: script)
        }
        _ = try onThreads(threads) { t in
            let own = try RunStore(path: store.path)
            for e in 1...rowsEach { try own.appendEpoch(EpochRecord(runID: runIDs[processes + t], epoch: e, trainLoss: 0.5)) }
        }
        for child in children {
            let result = child.wait()
            #expect(result.status == 0 && result.stderr.isEmpty, "sqlite3 failed: \(result.stderr)")
        }
        for id in runIDs { #expect(try store.epochs(of: id).count == rowsEach) }
    }
}
