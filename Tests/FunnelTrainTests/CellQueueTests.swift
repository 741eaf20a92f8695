import Foundation
import FunnelTestSupport
import Testing
@testable import FunnelTrain

/// The cell queue on every backend: claims, leases on the database clock, fencing, retries.
/// Leases here are a second or two long and the tests wait them out for real: PostgreSQL's
/// `now()` cannot be moved by a test, and a queue tested on a fake clock would prove less.
@Suite struct CellQueueTests {
    func grid(_ n: Int) -> [(key: String, config: String)] {
        (0..<n).map { (key: "cell\($0)", config: #"{"seed":\#($0)}"#) }
    }

    @Test(arguments: StoreBackend.available) func enqueueIsIdempotent(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let store = fixture.store
        #expect(try store.enqueueCells(experiment: "e", grid(3)) == 3)
        #expect(try store.enqueueCells(experiment: "e", grid(5)) == 2)
        #expect(try store.enqueueCells(experiment: "other", grid(1)) == 1)
        #expect(try store.cells(experiment: "e").map(\.key) == ["cell0", "cell1", "cell2", "cell3", "cell4"])
        #expect(try store.cellCounts(experiment: "e") == [.pending: 5, .running: 0, .done: 0, .failed: 0])
        #expect(throws: RunStoreError.self) { try store.enqueueCells(experiment: "e", [(key: "bad", config: "{")]) }
    }

    @Test(arguments: StoreBackend.available) func claimsInOrderThenRunsDry(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let store = fixture.store
        try store.enqueueCells(experiment: "e", grid(2))
        try store.enqueueCells(experiment: "f", grid(1))
        let before = try store.serverTime()
        let (first, lease) = try #require(try store.claimCell(experiment: "e", worker: "a:1", lease: 60))
        #expect(first.key == "cell0" && first.status == .running && first.claimedBy == "a:1")
        #expect(first.attempts == 1 && first.claim == 1 && lease == WorkLease(kind: .cell, id: first.id, worker: "a:1", claim: 1, seconds: 60))
        // The lease is stamped by the database clock: claimed now, held for 60 s.
        let claimedAt = try #require(first.claimedAt), leaseUntil = try #require(first.leaseUntil)
        #expect(abs(claimedAt.timeIntervalSince(before)) < 5)
        #expect(abs(leaseUntil.timeIntervalSince(claimedAt) - 60) < 0.01)
        #expect(try store.claimCell(experiment: "e", worker: "b:2")?.cell.key == "cell1")
        #expect(try store.claimCell(experiment: "e", worker: "b:2") == nil)
        // Without an experiment, any experiment's cells are claimable.
        #expect(try store.claimCell(worker: "b:2")?.cell.experiment == "f")
    }

    @Test(arguments: StoreBackend.available) func lifecycleWithRunAndRetries(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let store = fixture.store
        try store.enqueueCells(experiment: "e", grid(2))
        let (cell, lease) = try #require(try store.claimCell(experiment: "e", worker: "a:1"))
        let run = try store.runForLease(lease, spec: spec("e/\(cell.key)", config: cell.config))
        // Asking again (a retried call) finds the same run.
        #expect(try store.runForLease(lease, spec: spec("other")).id == run.id)
        try store.heartbeat(lease)
        try store.appendEpoch(EpochRecord(runID: run.id, epoch: 1, testTop1: 50), lease: lease)
        try store.completeCell(lease)
        try store.completeCell(lease)  // repeated after a lost answer: harmless
        let done = try store.cells(experiment: "e", status: .done)
        #expect(done.map(\.id) == [cell.id] && done[0].runID == run.id)
        #expect(try store.attempts(ofCell: cell.id).map(\.outcome) == [.done])
        // Once done, the cell is nobody's to change.
        #expect(throws: RunStoreError.claimLost(cell: cell.id, worker: "a:1", holder: "a:1", status: "done")) { try store.heartbeat(lease) }
        #expect(throws: RunStoreError.noSuchCell(id: 999, store: store.path)) {
            try store.heartbeat(WorkLease(kind: .cell, id: 999, worker: "a:1", claim: 1, seconds: 1))
        }

        // A failing cell is retried until it has used its attempts, keeping every attempt's error.
        for attempt in 1...3 {
            let (other, otherLease) = try #require(try store.claimCell(experiment: "e", worker: "w:\(attempt)", maxAttempts: 3))
            #expect(other.key == "cell1" && other.attempts == attempt && other.claim == Int64(attempt))
            let status = try store.failCell(otherLease, error: "loss is NaN (try \(attempt))", maxAttempts: 3)
            #expect(status == (attempt < 3 ? .pending : .failed))
        }
        #expect(try store.claimCell(experiment: "e", worker: "w:4") == nil)
        let failed = try #require(try store.cells(experiment: "e", status: .failed).first)
        #expect(failed.error == "loss is NaN (try 3)")
        let history = try store.attempts(ofCell: failed.id)
        #expect(history.map(\.outcome) == [.failed, .failed, .failed])
        #expect(history.map(\.worker) == ["w:1", "w:2", "w:3"] && history.map(\.error) == (1...3).map { "loss is NaN (try \($0))" })
        #expect(try store.cellCounts(experiment: "e") == [.pending: 0, .running: 0, .done: 1, .failed: 1])

        #expect(try store.requeueFailedCells(experiment: "e") == 1)
        let (again, _) = try #require(try store.claimCell(experiment: "e", worker: "b:2"))
        #expect(again.id == failed.id && again.attempts == 1 && again.claim == 4 && again.error == nil)
    }

    @Test(arguments: StoreBackend.available) func lapsedLeasesAreReclaimedAndFenced(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let store = fixture.store
        try store.enqueueCells(experiment: "e", grid(1))
        let (cell, stale) = try #require(try store.claimCell(experiment: "e", worker: "dead:1", lease: 3))
        let run = try store.runForLease(stale, spec: spec("e/cell0", config: cell.config))
        try store.appendEpoch(EpochRecord(runID: run.id, epoch: 1, testTop1: 10), lease: stale)
        // Heartbeats keep the claim.
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 0.5)
            try store.heartbeat(stale)
        }
        #expect(try store.claimCell(experiment: "e", worker: "live:2", lease: 1) == nil)
        // Once the lease has run out, another worker claims the cell, and its run with it.
        Thread.sleep(forTimeInterval: 3.3)
        let (taken, live) = try #require(try store.claimCell(experiment: "e", worker: "live:2", lease: 60))
        #expect(taken.id == cell.id && taken.claimedBy == "live:2" && taken.claim == 2 && taken.attempts == 2)
        #expect(try store.runForLease(live, spec: spec("new")).id == run.id)

        // The first worker, back from its pause, can write nothing more for the cell.
        let refused = RunStoreError.claimLost(cell: cell.id, worker: "dead:1", holder: "live:2", status: "running")
        #expect(throws: refused) { try store.heartbeat(stale) }
        #expect(throws: refused) { try store.appendEpoch(EpochRecord(runID: run.id, epoch: 2, testTop1: 99), lease: stale) }
        #expect(throws: refused) { try store.setCheckpoint(run.id, path: "stale.safetensors", lease: stale) }
        #expect(throws: refused) { try store.completeCell(stale) }
        #expect(throws: refused) { try store.failCell(stale, error: "late") }
        #expect(try store.epochs(of: run.id).map(\.epoch) == [1])
        #expect(try store.run(run.id).checkpoint == nil)

        try store.appendEpoch(EpochRecord(runID: run.id, epoch: 2, testTop1: 20), lease: live)
        try store.completeCell(live)
        #expect(try store.attempts(ofCell: cell.id).map(\.outcome) == [.expired, .done])
        #expect(try store.cells(experiment: "e")[0].status == .done)
    }

    @Test(arguments: StoreBackend.available) func cellsWhoseWorkersKeepDyingFail(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let store = fixture.store
        try store.enqueueCells(experiment: "e", grid(1))
        for attempt in 1...2 {
            let (cell, _) = try #require(try store.claimCell(experiment: "e", worker: "w:\(attempt)", lease: 0.5, maxAttempts: 2))
            #expect(cell.attempts == attempt)
            Thread.sleep(forTimeInterval: 0.8)
        }
        #expect(try store.claimCell(experiment: "e", worker: "w:3", lease: 0.5, maxAttempts: 2) == nil)
        let failed = try store.cells(experiment: "e")[0]
        #expect(failed.status == .failed)
        #expect(failed.error == "abandoned: the lease of w:2 ran out after 2 attempts")
        #expect(try store.attempts(ofCell: failed.id).map(\.outcome) == [.expired, .expired])
    }

    @Test(arguments: StoreBackend.available) func releasedCellsDoNotCountAnAttempt(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let store = fixture.store
        try store.enqueueCells(experiment: "e", grid(1))
        for round in 1...4 {
            let (cell, lease) = try #require(try store.claimCell(experiment: "e", worker: "w:\(round)", maxAttempts: 1))
            #expect(cell.attempts == 1 && cell.claim == Int64(round))
            try store.releaseCell(lease, reason: "SIGUSR1")
            try store.releaseCell(lease, reason: "SIGUSR1")  // repeated: harmless
        }
        #expect(try store.cells(experiment: "e")[0].status == .pending)
        #expect(try store.attempts(ofCell: 1).map(\.outcome) == Array(repeating: .released, count: 4))
    }

    /// Claimers on separate connections, as workers on separate machines: every cell is claimed
    /// exactly once, and no claimer finds the queue empty while cells are still pending (the
    /// failure of a claim statement without `SKIP LOCKED` on PostgreSQL).
    @Test(arguments: StoreBackend.available) func concurrentClaimersNeverShareACell(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let cells = 120, workers = 6
        try fixture.store.enqueueCells(experiment: "e", grid(cells))
        let location = fixture.location
        let claimed = try onThreads(workers) { w -> [Int64] in
            let store = try RunStore(location)
            var mine: [Int64] = []
            while let (cell, lease) = try store.claimCell(experiment: "e", worker: "host:\(w)") {
                mine.append(cell.id)
                Thread.sleep(forTimeInterval: 0.002)  // "training"
                try store.completeCell(lease)
            }
            // Nothing may be pending once a claimer has found nothing to claim.
            #expect(try store.cellCounts(experiment: "e")[.pending] == 0)
            return mine
        }
        let all = claimed.flatMap { $0 }
        #expect(all.count == cells)
        #expect(Set(all).count == cells)
        let stored = try fixture.store.cells(experiment: "e")
        #expect(stored.allSatisfy { $0.status == .done && $0.attempts == 1 })
    }
}
