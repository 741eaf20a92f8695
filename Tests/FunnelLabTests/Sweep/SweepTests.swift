import Foundation
import Testing
import FunnelStats
@testable import FunnelLab

@Suite struct SweepTests {
    @Test func runCapEndsTheSweep() throws {
        let sweep = Sweep(try SweepConfiguration(yaml: """
            method: random
            run_cap: 3
            parameters: {lr: {min: 0.001, max: 0.1, distribution: log_uniform_values}}
            """), seed: 2)
        var history: [SweepObservation] = []
        while let next = sweep.nextRun(history: history) { history.append(SweepObservation(assignment: next, metric: 1)) }
        #expect(history.count == 3)
        #expect(!sweep.shouldStop(runMetricHistory: [1, 2, 3, 4, 5], allRunsHistory: [[0, 0, 0, 0, 0]]))
    }

    @Test func gridEndsWhenExhaustedAndTargetEndsEarly() throws {
        let grid = Sweep(try SweepConfiguration(yaml: "method: grid\nparameters: {act: {values: [relu, frelu]}, bs: {values: [64, 128]}}"))
        var history: [SweepObservation] = []
        while let next = grid.nextRun(history: history) { history.append(SweepObservation(assignment: next, metric: nil)) }
        #expect(history.count == 4)

        let targeted = Sweep(try SweepConfiguration(yaml: """
            method: grid
            metric: {name: acc, goal: maximize, target: 0.9}
            parameters: {act: {values: [relu, frelu, mish]}}
            """))
        let first = try #require(targeted.nextRun(history: []))
        #expect(targeted.nextRun(history: [SweepObservation(assignment: first, metric: 0.8)]) != nil)
        #expect(targeted.nextRun(history: [SweepObservation(assignment: first, metric: 0.91)]) == nil)
    }

    @Test func bayesSweepFromTheReportFile() throws {
        let sweep = Sweep(try SweepConfiguration(yaml: SweepConfigurationTests.reportSweep), seed: 1)
        #expect(sweep.search is BayesianSearch)
        #expect(sweep.earlyTermination == HyperbandStopping(schedule: .init(eta: 3, brackets: .fromMinimum(iteration: 3)), goal: .minimize))
        // A made-up loss surface: frelu with sgd at batch 128 and lr near 0.01 is best.
        func loss(_ run: SweepAssignment) -> Double {
            let decadesOff: Double = log10(run["lr"]!.doubleValue!) + 2
            let actPenalty: Double = run["act"] == "frelu" ? 0 : 0.2
            let optimizerPenalty: Double = run["optimizer"] == "sgd" ? 0 : 0.1
            let batchPenalty: Double = run["batch_size"] == 128 ? 0 : 0.05
            return 0.5 + actPenalty + optimizerPenalty + batchPenalty + 0.05 * decadesOff * decadesOff
        }
        var history: [SweepObservation] = []
        while let next = sweep.nextRun(history: history) {
            #expect(next["epochs"] == 50)
            history.append(SweepObservation(assignment: next, metric: loss(next)))
        }
        #expect(history.count == 20)
        let best = history.min { $0.metric! < $1.metric! }!
        #expect(best.assignment["act"] == "frelu", "best \(best)")
    }
}
