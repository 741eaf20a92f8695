import Foundation
import FunnelTrain
@testable import FunnelLab

/// Builds small run directories with known numbers through `RunStore`'s API, for the report tests.
enum ReportFixture {
    /// One run: its activation, seed, and per-epoch test top-1 (percent) and test loss.
    struct Run {
        var act: String
        var seed: Int
        var top1: [Double]
        var loss: [Double]
        var status: RunStatus = .finished
        var imagesPerSecond: Double = 1000
        var model = "resnet20"
        var dataset = "synthetic"
        var epochs: Int? = nil
        /// Per-epoch test mIoU (percent): makes the run a segmentation run.
        var meanIoU: [Double]? = nil
        /// Placement-ablation settings (`TrainConfig.stages`, `.squeezeExcitation`).
        var stages: [Int]? = nil
        var squeezeExcitation = false
        /// The Funnel commit the run records.
        var commit: String? = "0123456789ab"
        /// The commit each epoch records (a run resumed by another build); nil: none recorded.
        var epochCommits: [String?]? = nil
    }

    /// A fresh temporary directory (removed by the caller's `defer`).
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `runs` into `runs.sqlite` in `directory`; returns their ids.
    @discardableResult
    static func store(_ runs: [Run], in directory: URL, checkpoints: [String: URL] = [:], config: (Run) -> TrainConfig = defaultConfig) throws -> [Int64] {
        let store = try RunStore(directory: directory)
        var ids: [Int64] = []
        for run in runs {
            let c = config(run)
            let placement = (run.stages.map { "-stages" + $0.map(String.init).joined() } ?? "") + (run.squeezeExcitation ? "-se" : "")
            let name = "\(run.model)\(placement)-\(run.act)-s\(run.seed)"
            let spec = RunSpec(name: name, config: try RunSpec.json(c), model: run.model, act: run.act,
                               dataset: run.dataset, seed: run.seed, gitCommit: run.commit, machine: Machine(host: "test", cpu: "Test CPU", threads: 2))
            let id = try store.createRun(spec).id
            for (e, (top1, loss)) in zip(run.top1, run.loss).enumerated() {
                try store.appendEpoch(EpochRecord(runID: id, epoch: e + 1, trainLoss: loss + 0.1, trainAcc: top1 - 1, testLoss: loss,
                                                  testTop1: top1, testTop5: 99, lr: 0.1, seconds: 1, imagesPerSecond: run.imagesPerSecond,
                                                  extra: run.meanIoU.map { ["test_miou": $0[e]] } ?? [:], commit: run.epochCommits?[e] ?? nil))
            }
            switch run.status {
            case .finished: try store.finishRun(id, checkpoint: checkpoints[name]?.path)
            case .failed: try store.failRun(id, error: "loss became nan")
            case .interrupted: try store.updateStatus(id, to: .interrupted)
            case .running: break
            }
            ids.append(id)
        }
        return ids
    }

    static func defaultConfig(_ run: Run) -> TrainConfig {
        var c = TrainConfig.study(model: run.model, act: run.act, data: run.dataset)
        c.epochs = run.epochs ?? run.top1.count
        c.seed = UInt64(run.seed)
        if run.meanIoU != nil { c.task = .segment }
        c.stages = run.stages
        c.squeezeExcitation = run.squeezeExcitation
        return c
    }

    /// Final test top-1 by activation: ReLU, FReLU (clearly higher) and Swish (close to ReLU,
    /// lowest loss), three seeds each.
    static let top1: [String: [Double]] = ["relu": [80.0, 81.0, 82.5], "frelu": [85.0, 85.5, 86.0], "swish": [81.0, 81.5, 82.0]]
    static let loss: [String: [Double]] = ["relu": [0.50, 0.48, 0.47], "frelu": [0.42, 0.44, 0.40], "swish": [0.38, 0.39, 0.41]]
    static let speed: [String: Double] = ["relu": 1000, "frelu": 600, "swish": 900]

    /// 3 activations x 3 seeds, three epochs each, ending at the numbers above.
    static func studyRuns() -> [Run] {
        ["relu", "frelu", "swish"].flatMap { act in
            (0..<3).map { seed in
                let f = top1[act]![seed], l = loss[act]![seed]
                return Run(act: act, seed: seed, top1: [f - 30, f - 10, f], loss: [l + 1, l + 0.3, l], imagesPerSecond: speed[act]! + Double(seed) * 10)
            }
        }
    }
}
