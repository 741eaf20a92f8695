import Foundation
import Testing
@testable import FunnelTrain

/// The last line a run prints: what it achieved, whether it finished, and no figures for a run that
/// has none.
@Suite struct ProgressLineTests {
    private func epoch(_ n: Int, top1: Double, meanIoU: Double? = nil) -> EpochMetrics {
        EpochMetrics(epoch: n, trainLoss: 1, trainAccuracy: 0.5,
                     test: Evaluation(loss: 1, top1: top1, top5: 0.9, count: 10, meanIoU: meanIoU, pixelAccuracy: meanIoU.map { _ in top1 }),
                     learningRate: 0.1, seconds: 2, imagesPerSecond: 100)
    }

    private func summary(_ epochs: [EpochMetrics], interrupted: Bool) -> TrainingSummary {
        let best = epochs.max { $0.test.top1 < $1.test.top1 }
        var s = TrainingSummary(runName: "r", runID: nil, epochs: epochs, bestTop1: best?.test.top1 ?? 0, bestEpoch: best?.epoch ?? 0,
                                finalTop1: epochs.last?.test.top1 ?? 0, finalLoss: 1, finalMeanIoU: epochs.last?.test.meanIoU,
                                bestMeanIoU: epochs.compactMap(\.test.meanIoU).max(), seconds: 5, parameters: 1)
        s.interrupted = interrupted
        return s
    }

    @Test func aRunStoppedInItsFirstEpochPrintsNoFigures() {
        let line = ProgressPrinter.finishedLine(summary([], interrupted: true))
        #expect(line == "interrupted in epoch 1, before any test figures (5s)")
    }

    @Test func aRunStoppedLaterSaysSoAndGivesItsLastEpoch() {
        let line = ProgressPrinter.finishedLine(summary([epoch(1, top1: 0.6), epoch(2, top1: 0.55)], interrupted: true))
        #expect(line == "interrupted after epoch 2: best test top-1 60.00% (epoch 1), last 55.00%, 5s")
    }

    @Test func aFinishedRunIsDone() {
        #expect(ProgressPrinter.finishedLine(summary([epoch(1, top1: 0.6), epoch(2, top1: 0.7)], interrupted: false))
                == "done: best test top-1 70.00% (epoch 2), final 70.00%, 5s")
        #expect(ProgressPrinter.finishedLine(summary([epoch(1, top1: 0.8, meanIoU: 0.4), epoch(2, top1: 0.75, meanIoU: 0.35)], interrupted: false))
                == "done: best test mIoU 40.00%, final 35.00% (pixel acc 75.00%), 5s")
    }
}
