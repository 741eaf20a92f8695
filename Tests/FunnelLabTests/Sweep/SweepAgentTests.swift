import Foundation
import Testing
import FunnelTrain
@testable import FunnelLab

@Suite struct SweepAgentTests {
    /// An agent on a fresh SQLite store for a grid over `lr` (ResNet-20 on a few synthetic images)
    /// with Hyperband's rungs from epoch 1.
    static func agent(_ name: String, lr: String, epochs: Int) throws -> (URL, RunStore, Int64, SweepAgent) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-agent-\(UUID().uuidString.prefix(8))")
        let yaml = """
            method: grid
            metric: {name: train_loss, goal: minimize}
            parameters:
              lr: {values: [\(lr)]}
            early_terminate: {type: hyperband, min_iter: 1, eta: 3}
            recipe: {model: resnet20, data: synthetic, epochs: \(epochs), batch_size: 8, synthetic_train: 16, synthetic_test: 8, schedule: constant}
            """
        let store = try RunStore(directory: directory)
        let id = try store.createSweep(name: name, spec: yaml, seed: 0)
        return (directory, store, id, try SweepAgent(store: store, sweepID: id, runDirectory: directory))
    }

    /// One agent on a SQLite store runs a grid with Hyperband: every point once, and each run is
    /// stopped exactly where Hyperband says it should be, given the histories the agent finds in
    /// the store (with one agent, those of every earlier run, complete).
    @Test func agentStopsRunsWhereHyperbandSays() throws {
        let (directory, store, id, agent) = try Self.agent("hb", lr: "0.001, 0.3, 0.01, 1.0, 0.1", epochs: 3)
        defer { try? FileManager.default.removeItem(at: directory) }
        var messages: [String] = []
        let ended = try agent.run(report: { messages.append($0) })
        let runs = try store.sweepRuns(id)
        #expect(ended.count == 5 && runs.count == 5 && Set(runs.map(\.assignment)).count == 5)
        #expect(runs.allSatisfy { $0.status == .finished && $0.metric == $0.history.filter(\.isFinite).min() })
        let hyperband = try #require(agent.definition.sweep.earlyTermination)
        for (k, run) in runs.enumerated() {
            let others = runs[..<k].map(\.history)
            // Replay: after each epoch, the agent asked Hyperband with what the store held.
            var expectedLength = 1
            while expectedLength < 3 && !hyperband.shouldStop(runMetricHistory: Array(run.history.prefix(expectedLength)),
                                                               allRunsHistory: others + [Array(run.history.prefix(expectedLength))]) {
                expectedLength += 1
            }
            #expect(run.history.count == expectedLength, "run \(run.number) \(run.assignment)")
        }
        #expect(runs.contains { $0.history.count < 3 }, "some run should have been stopped early")
        // "Stopped early" is said of exactly the runs that were: not of one Hyperband would stop after its last epoch.
        let stopped = messages.filter { $0.contains("stopped early by Hyperband") }
        #expect(stopped.sorted() == runs.filter { $0.history.count < 3 }.map { "hb-\($0.number): stopped early by Hyperband after \($0.history.count) epochs" }.sorted(),
                "\(messages)")
    }

    /// A run whose Hyperband rung is its last epoch is complete, so it is not "stopped early".
    /// The diverging learning rates (1.0, 0.3) come after the good ones, so the rung ranks them out.
    @Test func aRunIsNotStoppedEarlyAfterItsLastEpoch() throws {
        let (directory, store, id, agent) = try Self.agent("last", lr: "0.01, 0.1, 1.0, 0.3, 0.001", epochs: 2)
        defer { try? FileManager.default.removeItem(at: directory) }
        var messages: [String] = []
        try agent.run(report: { messages.append($0) })
        let runs = try store.sweepRuns(id)
        #expect(runs.count == 5 && runs.allSatisfy { $0.status == .finished && $0.history.count == 2 })
        let hyperband = try #require(agent.definition.sweep.earlyTermination)
        let rungSaysStop = runs.indices.contains { k in
            hyperband.shouldStop(runMetricHistory: runs[k].history, allRunsHistory: runs[..<k].map(\.history) + [runs[k].history])
        }
        #expect(rungSaysStop, "the rung after epoch 2 (band min_iter = 1 indexes the history from 0) should rank some run out, or this test checks nothing")
        #expect(!messages.contains { $0.contains("stopped early") }, "\(messages)")
    }
}
