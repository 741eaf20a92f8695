import Foundation
import Testing
import FunnelTrain
@testable import FunnelLab

/// `funnel sweep run --jobs N`: N agent processes share one sweep through the run store; every
/// run of the sweep is trained exactly once, by whichever agent claimed it.
@Suite(.serialized) struct SweepJobsTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-sweep-jobs-\(UUID().uuidString.prefix(8))")

    @Test func twoAgentsShareAGridWithoutTrainingAnyRunTwice() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("grid.yaml")
        try """
            method: grid
            metric: {name: test_loss, goal: minimize}
            parameters:
              act: {values: [relu, swish, mish, frelu]}
            recipe: {model: resnet20, data: synthetic, epochs: 2, batch_size: 8, synthetic_train: 32, synthetic_test: 16, schedule: cosine}
            """.write(to: file, atomically: true, encoding: .utf8)
        let runDir = directory.appendingPathComponent("runs")
        let (status, output) = try FunnelProcess(["sweep", "run", file.path, "--run-dir", runDir.path, "--jobs", "2", "--threads", "2"],
                                                 logDirectory: directory).wait()
        #expect(status == 0, "\(output)")
        let store = try RunStore(directory: runDir)
        let sweepRuns = try store.sweepRuns(1)
        #expect(sweepRuns.count == 4 && sweepRuns.allSatisfy { $0.status == .finished && $0.history.count == 2 }, "\(sweepRuns)")
        #expect(Set(sweepRuns.map(\.assignment)).count == 4, "each grid point once: \(sweepRuns.map(\.assignment))")
        let runs = try store.runs()
        #expect(runs.count == 4 && runs.allSatisfy { $0.status == .finished }, "one training run per sweep run: \(runs.map(\.spec.name))")
        // Both agents trained: the log names two agents, each having ended at least one run.
        let agents = output.split(separator: "\n").filter { $0.contains("agent ") && $0.contains("runs ended") }
        #expect(agents.count == 2, "\(output)")
        #expect(output.contains("grid: 4 runs (0 running, 0 failed); best first"), "the ranking covers all runs: \(output)")
    }

    @Test func theStudySweepParsesAtBothScales() throws {
        let quick = try SweepDefinition(name: "q", yaml: SweepDefinition.studySweep(scale: .quick), seed: 0)
        let full = try SweepDefinition(name: "f", yaml: SweepDefinition.studySweep(scale: .full), seed: 0)
        #expect(quick.recipe.model == "resnet20" && quick.recipe.epochs == 10 && quick.recipe.trainLimit == 10_000
                && quick.recipe.testLimit == 2_000 && quick.sweep.configuration.runCap == 12)
        #expect(full.recipe.model == "resnet18" && full.recipe.epochs == 50 && full.recipe.trainLimit == nil
                && full.sweep.configuration.runCap == 20)
    }
}
