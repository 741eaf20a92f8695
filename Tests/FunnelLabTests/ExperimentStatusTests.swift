import Foundation
import Testing
import FunnelTrain
@testable import FunnelLab

/// `funnel experiment status` counts the epochs each cell's stored config plans; a config this
/// build cannot read is an error naming the cell, not a cell of 0 epochs.
@Suite struct ExperimentStatusTests {
    private func config(epochs: Int) throws -> String {
        var c = TrainConfig()
        c.epochs = epochs
        return try RunSpec.json(c)
    }

    @Test func totalsAreTheEpochsTheCellsPlan() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore(directory: dir)
        try store.enqueueCells(experiment: "grid", [(key: "relu/s0", config: try config(epochs: 3)), (key: "frelu/s0", config: try config(epochs: 2))])
        let status = try ExperimentStatus(experiment: "grid", store: store)
        #expect(status.epochs.done == 0 && status.epochs.total == 5)
        #expect(status.render().contains("2 cells: 0 done, 0 running, 2 pending, 0 failed"))
        #expect(status.render().contains("epochs 0/5"))
    }

    @Test func aCellConfigThisBuildCannotReadIsAnErrorNamingTheCell() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore(directory: dir)
        // As a newer build might write it: a key this build does not know.
        let newer = try config(epochs: 200).replacingOccurrences(of: "{", with: #"{"ema_decay":0.999,"#)
        try store.enqueueCells(experiment: "grid", [(key: "relu/s0", config: try config(epochs: 3)), (key: "frelu/s1", config: newer)])
        do {
            _ = try ExperimentStatus(experiment: "grid", store: store)
            Issue.record("a cell whose config does not decode should stop the status")
        } catch let error as ExperimentError {
            #expect(error.description.hasPrefix("grid/frelu/s1: its stored config is not a training config this build reads: "))
            #expect(error.description.contains("unknown key 'ema_decay'"))
        }
    }
}
