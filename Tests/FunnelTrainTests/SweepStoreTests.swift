import Foundation
import FunnelTestSupport
import Testing
@testable import FunnelTrain

/// Sweep state in the store on every backend: serialised proposals, leases, fencing.
@Suite struct SweepStoreTests {
    /// A proposer of grid points 0..<points in order, capped at `cap` runs: what a grid sweep
    /// with `run_cap` asks of the store.
    static func proposer(points: Int, cap: Int) -> ([SweepRunRecord]) throws -> String? {
        { runs in
            Thread.sleep(forTimeInterval: 0.003)  // deciding takes a while: widen any race
            guard runs.count < cap else { return nil }
            let used = Set(runs.map(\.assignment))
            return (0..<points).map { #"{"p":\#($0)}"# }.first { !used.contains($0) }
        }
    }

    @Test(arguments: StoreBackend.available) func concurrentAgentsGetEveryPointOnceAndTheCapExactly(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let id = try fixture.store.createSweep(name: "grid", spec: "method: grid", seed: 0)
        #expect(try fixture.store.createSweep(name: "grid", spec: "method: grid", seed: 0) == id)
        #expect(try fixture.store.createSweep(name: "grid", spec: "method: grid", seed: 1) != id)
        let location = fixture.location
        let taken = try onThreads(5) { agent -> [String] in
            let store = try RunStore(location)
            var mine: [String] = []
            while let (run, lease) = try store.nextSweepRun(id, worker: "agent:\(agent)", propose: Self.proposer(points: 30, cap: 23)) {
                mine.append(run.assignment)
                try store.recordSweepHistory(lease, history: [1.0, .nan])
                try store.endSweepRun(lease, metric: Double(run.number), history: [1.0, .nan, 0.5])
            }
            return mine
        }
        let all = taken.flatMap { $0 }
        #expect(all.count == 23 && Set(all).count == 23)
        let runs = try fixture.store.sweepRuns(id)
        #expect(runs.map(\.number) == Array(1...23))
        #expect(runs.allSatisfy { $0.status == .finished && $0.metric == Double($0.number) && $0.endedAt != nil })
        #expect(runs[0].history[0] == 1.0 && runs[0].history[1].isNaN && runs[0].history[2] == 0.5)
        // Each proposal saw every result recorded before it, and the record says which.
        #expect(runs[0].informedBy == [])
        for (earlier, later) in zip(runs, runs.dropFirst()) { #expect(Set(earlier.informedBy).isSubset(of: Set(later.informedBy))) }
    }

    @Test(arguments: StoreBackend.available) func aDeadAgentsRunIsResumedAndItsWritesRefused(_ backend: StoreBackend) throws {
        let fixture = try TemporaryStore(backend)
        defer { fixture.remove() }
        let store = fixture.store
        let id = try store.createSweep(name: "s", spec: "method: random", seed: 0)
        let (first, dead) = try #require(try store.nextSweepRun(id, worker: "dead:1", lease: 3, propose: Self.proposer(points: 5, cap: 1)))
        let run = try store.runForLease(dead, spec: spec("s-1"))
        #expect(try store.nextSweepRun(id, worker: "live:2", propose: Self.proposer(points: 5, cap: 1)) == nil)
        Thread.sleep(forTimeInterval: 3.3)
        let (again, live) = try #require(try store.nextSweepRun(id, worker: "live:2", propose: Self.proposer(points: 5, cap: 1)))
        #expect(again.id == first.id && again.claim == 2 && again.attempts == 2 && again.assignment == first.assignment)
        #expect(try store.runForLease(live, spec: spec("other")).id == run.id)
        let refused = RunStoreError.claimLost(cell: first.id, worker: "dead:1", holder: "live:2", status: "running")
        #expect(throws: refused) { try store.recordSweepHistory(dead, history: [9]) }
        #expect(throws: refused) { try store.endSweepRun(dead, metric: 9, history: [9]) }
        // Given back on purpose (preempted), it is resumed at once, the attempt not counted.
        try store.releaseSweepRun(live)
        let (third, last) = try #require(try store.nextSweepRun(id, worker: "next:3", propose: Self.proposer(points: 5, cap: 1)))
        #expect(third.id == first.id && third.claim == 3 && third.attempts == 2)
        try store.endSweepRun(last, metric: 0.25, history: [0.5, 0.25])
        #expect(try store.sweepRuns(id).map(\.metric) == [0.25])
        #expect(throws: RunStoreError.noSuchSweep(id: 99, store: store.path)) { try store.sweep(99) }
    }
}
