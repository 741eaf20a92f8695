import Foundation
import Testing
import FunnelTrain
@testable import FunnelLab

/// `funnel experiment status` counts the epochs each cell's stored config plans; a config this
/// build cannot read is an error naming the cell, not a cell of 0 epochs, and a name with no
/// cells is an error listing the experiments there, not a grid of nothing.
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

    @Test func anExperimentWithNoCellsIsAnErrorListingTheOnesThere() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore(directory: dir)
        #expect(throws: RunStoreError.noSuchExperiment(name: "grid", store: store.path, known: [])) {
            try ExperimentStatus(experiment: "grid", store: store)
        }
        try store.enqueueCells(experiment: "grid", [(key: "relu/s0", config: try config(epochs: 3))])
        try store.enqueueCells(experiment: "ablation", [(key: "frelu/s0", config: try config(epochs: 3))])
        do {
            _ = try ExperimentStatus(experiment: "gird", store: store)  // misspelt: it used to print "gird: 0 cells"
            Issue.record("a name with no cells should stop the status")
        } catch let error as RunStoreError {
            #expect(error == .noSuchExperiment(name: "gird", store: store.path, known: ["ablation", "grid"]))
            #expect(error.description.hasSuffix("no cells of experiment 'gird': it was never queued in this store "
                                                + "(`funnel experiment run` or `submit` queue it); experiments there: ablation, grid"))
        }
        #expect(try ExperimentStatus(experiment: "grid", store: store).cells.count == 1)
    }
}
