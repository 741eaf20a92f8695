import Foundation
import Testing
@testable import FunnelTrain

@Suite struct CellQueueTests {
    func grid(_ n: Int) -> [(key: String, config: String)] {
        (0..<n).map { (key: "cell\($0)", config: #"{"seed":\#($0)}"#) }
    }

    @Test func enqueueIsIdempotent() throws {
        let fixture = try TemporaryStore()
        defer { fixture.remove() }
        let store = fixture.store
        #expect(try store.enqueueCells(experiment: "e", grid(3)) == 3)
        #expect(try store.enqueueCells(experiment: "e", grid(5)) == 2)
        #expect(try store.enqueueCells(experiment: "other", grid(1)) == 1)
        #expect(try store.cells(experiment: "e").map(\.key) == ["cell0", "cell1", "cell2", "cell3", "cell4"])
        #expect(try store.cellCounts(experiment: "e") == [.pending: 5, .running: 0, .done: 0, .failed: 0])
        #expect(throws: RunStoreError.self) { try store.enqueueCells(experiment: "e", [(key: "bad", config: "{")]) }
    }

    @Test func claimsInOrderThenRunsDry() throws {
        let fixture = try TemporaryStore()
        defer { fixture.remove() }
        let store = fixture.store
        try store.enqueueCells(experiment: "e", grid(2))
        try store.enqueueCells(experiment: "f", grid(1))
        let first = try #require(try store.claimCell(experiment: "e", worker: "a:1", now: t0))
        #expect(first.key == "cell0" && first.status == .running && first.claimedBy == "a:1")
        #expect(first.claimedAt == t0 && first.heartbeatAt == t0 && first.attempts == 1)
        #expect(try store.claimCell(experiment: "e", worker: "b:2", now: t0)?.key == "cell1")
        #expect(try store.claimCell(experiment: "e", worker: "b:2", now: t0) == nil)
        // Without an experiment, any experiment's cells are claimable.
        #expect(try store.claimCell(worker: "b:2", now: t0)?.experiment == "f")
    }

    @Test func lifecycleWithRun() throws {
        let fixture = try TemporaryStore()
        defer { fixture.remove() }
        let store = fixture.store
        try store.enqueueCells(experiment: "e", grid(2))
        let cell = try #require(try store.claimCell(experiment: "e", worker: "a:1", now: t0))
        let run = try store.createRun(spec("e/\(cell.key)", config: cell.config), startedAt: t0).id
        try store.attachRun(run, toCell: cell.id, worker: "a:1")
        try store.heartbeat(cell: cell.id, worker: "a:1", now: t0.addingTimeInterval(30))
        try store.completeCell(cell.id, runID: run, worker: "a:1", now: t0.addingTimeInterval(60))
        let done = try store.cells(experiment: "e", status: .done)
        #expect(done.map(\.id) == [cell.id] && done[0].runID == run)

        let other = try #require(try store.claimCell(experiment: "e", worker: "a:1", now: t0))
        try store.failCell(other.id, error: "out of memory", worker: "a:1", now: t0)
        #expect(try store.cells(experiment: "e", status: .failed).map(\.error) == ["out of memory"])
        #expect(try store.cellCounts(experiment: "e") == [.pending: 0, .running: 0, .done: 1, .failed: 1])
        // Once done, the cell is nobody's to change.
        #expect(throws: RunStoreError.claimLost(cell: cell.id, worker: "a:1", holder: "a:1", status: .done)) {
            try store.heartbeat(cell: cell.id, worker: "a:1")
        }
        #expect(throws: RunStoreError.noSuchCell(id: 999, store: store.path)) { try store.heartbeat(cell: 999, worker: "a:1") }

        #expect(try store.requeueFailedCells(experiment: "e") == 1)
        let again = try #require(try store.claimCell(experiment: "e", worker: "b:2", now: t0))
        #expect(again.id == other.id && again.attempts == 1 && again.error == nil)
    }

    @Test func staleClaimsAreReclaimed() throws {
        let fixture = try TemporaryStore()
        defer { fixture.remove() }
        let store = fixture.store
        try store.enqueueCells(experiment: "e", grid(1))
        let cell = try #require(try store.claimCell(experiment: "e", worker: "dead:1", staleAfter: 60, now: t0))
        // A heartbeat keeps the claim fresh.
        try store.heartbeat(cell: cell.id, worker: "dead:1", now: t0.addingTimeInterval(50))
        #expect(try store.claimCell(experiment: "e", worker: "live:2", staleAfter: 60, now: t0.addingTimeInterval(100)) == nil)
        // 61 s after the last heartbeat the claim is stale.
        let taken = try #require(try store.claimCell(experiment: "e", worker: "live:2", staleAfter: 60, now: t0.addingTimeInterval(111)))
        #expect(taken.id == cell.id && taken.claimedBy == "live:2" && taken.attempts == 2)
        // The first worker, back from the dead, learns it lost the cell and cannot complete it.
        #expect(throws: RunStoreError.claimLost(cell: cell.id, worker: "dead:1", holder: "live:2", status: .running)) {
            try store.heartbeat(cell: cell.id, worker: "dead:1")
        }
        #expect(throws: RunStoreError.self) { try store.completeCell(cell.id, runID: nil, worker: "dead:1") }
        try store.completeCell(cell.id, runID: nil, worker: "live:2")
        #expect(try store.cells(experiment: "e")[0].status == .done)
    }

    @Test func cellsThatKeepKillingWorkersFail() throws {
        let fixture = try TemporaryStore()
        defer { fixture.remove() }
        let store = fixture.store
        try store.enqueueCells(experiment: "e", grid(1))
        var now = t0
        for attempt in 1...2 {
            let cell = try #require(try store.claimCell(experiment: "e", worker: "w:\(attempt)", staleAfter: 10, maxAttempts: 2, now: now))
            #expect(cell.attempts == attempt)
            now += 11
        }
        #expect(try store.claimCell(experiment: "e", worker: "w:3", staleAfter: 10, maxAttempts: 2, now: now) == nil)
        let failed = try store.cells(experiment: "e")[0]
        #expect(failed.status == .failed)
        #expect(failed.error == "abandoned: no heartbeat from w:2 since 2023-11-14 22:13:31.000, after 2 attempts")
    }

    @Test func concurrentClaimersNeverShareACell() throws {
        let fixture = try TemporaryStore()
        defer { fixture.remove() }
        let cells = 120, workers = 6
        try fixture.store.enqueueCells(experiment: "e", grid(cells))
        let directory = fixture.directory
        let claimed = try onThreads(workers) { w -> [Int64] in
            let store = try RunStore(directory: directory)
            var mine: [Int64] = []
            while let cell = try store.claimCell(experiment: "e", worker: "host:\(w)") {
                mine.append(cell.id)
                try store.completeCell(cell.id, runID: nil, worker: "host:\(w)")
            }
            return mine
        }
        let all = claimed.flatMap { $0 }
        #expect(all.count == cells)
        #expect(Set(all).count == cells)
        let stored = try fixture.store.cells(experiment: "e")
        #expect(stored.allSatisfy { $0.status == .done && $0.attempts == 1 })
    }

    /// The claim statement itself, run by separate sqlite3 processes racing this process's threads.
    @Test(.enabled(if: findExecutable("sqlite3") != nil, "needs the sqlite3 command-line shell"))
    func claimIsAtomicAcrossProcesses() throws {
        let fixture = try TemporaryStore()
        defer { fixture.remove() }
        let store = fixture.store
        let cells = 150, processes = 3, threads = 2
        try store.enqueueCells(experiment: "e", grid(cells))
        // Each claimer works a little between claims, as real workers do (they train); without
        // that, whoever gets the lock first claims everything while the others sleep in SQLite's
        // busy handler back-off. The sqlite3 shell "works" by counting in a read-only query.
        let claimSQL = RunStore.claimSQL.replacingOccurrences(of: "RETURNING *", with: "RETURNING 'claimed ' || id") + ";"
            + " WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000) SELECT count(*) FROM c;"
        var script = """
            .timeout 60000
            .parameter init
            .parameter set :now "'2030-01-01 00:00:00.000'"
            .parameter set :cutoff "'2000-01-01 00:00:00.000'"
            .parameter set :maxAttempts 3
            .parameter set :experiment "'e'"

            """
        // As many attempts as cells: most find nothing left and print nothing.
        script += String(repeating: claimSQL.replacingOccurrences(of: "\n", with: " ") + "\n", count: cells)
        let directory = fixture.directory
        let stores = try (0..<threads).map { _ in try RunStore(directory: directory) }

        // Hold the write lock while every claimer starts, so that they all contend from the start
        // instead of the first one to be ready emptying the queue alone.
        let (children, claimers) = try store.database.write { _ in
            let children = try (0..<processes).map { p in
                try ChildProcess(findExecutable("sqlite3")!, [store.path],
                                 input: ".parameter set :worker \"'proc:\(p)'\"\n" + script)
            }
            let claimers = ThreadGroup(threads) { t -> [Int64] in
                var mine: [Int64] = []
                while let cell = try stores[t].claimCell(experiment: "e", worker: "thread:\(t)") {
                    mine.append(cell.id)
                    Thread.sleep(forTimeInterval: 0.001)
                }
                return mine
            }
            Thread.sleep(forTimeInterval: 0.3)
            return (children, claimers)
        }
        let fromThreads = try claimers.join()
        var fromProcesses: [Int64] = []
        for child in children {
            let result = child.wait()
            #expect(result.status == 0 && result.stderr.isEmpty, "sqlite3 failed: \(result.stderr)")
            fromProcesses += result.stdout.split(separator: "\n").filter { $0.hasPrefix("claimed ") }.map { Int64($0.dropFirst(8))! }
        }
        let all = fromThreads.flatMap { $0 } + fromProcesses
        #expect(all.count == cells)
        #expect(Set(all).count == cells)
        #expect(try store.cells(experiment: "e").allSatisfy { $0.attempts == 1 })
    }
}
