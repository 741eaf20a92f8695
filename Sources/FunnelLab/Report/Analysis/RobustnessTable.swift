import Foundation
import FunnelData
import FunnelNN
import FunnelTrain

/// Adversarial accuracy per activation: the review's claim that smooth activations are more
/// robust than FReLU, measured with FGSM and PGD (L∞, pixel space) on each activation's first
/// checkpointed run.
public struct RobustnessTable: Codable, Sendable {
    public struct Row: Codable, Sendable {
        public let model: String
        public let act: String
        public let run: String
        public let fgsm: Attack.Result
        public let pgd: Attack.Result
    }

    public let rows: [Row]
    public let eps: Double

    /// Attacks `images` test images of one run per (model, activation) group that has a checkpoint.
    /// - Parameter loadData: how each run's splits are loaded (the report shares one load).
    public init(data: ReportData, images: Int, eps: Double = 8.0 / 255, pgdSteps: Int = 10, dataset: String? = nil,
                loadData: (TrainConfig) throws -> Splits = { try Trainer.loadData($0) },
                progress: (String) -> Void = { _ in }) throws {
        var rows: [Row] = []
        for group in data.groups {
            guard let detail = group.runs.first(where: { data.checkpoint(of: $0.run) != nil }),
                  let url = data.checkpoint(of: detail.run) else { continue }
            progress("attacking \(detail.run.spec.name)")
            let trained = try TrainedModel(checkpoint: url, data: dataset, loadData: loadData)
            let loader = trained.testLoader(batchSize: min(250, images))
            let fgsm = try Attack.run(trained.model, loader, method: .fgsm, eps: eps, limit: images)
            let pgd = try Attack.run(trained.model, loader, method: .pgd(steps: pgdSteps, stepSize: nil), eps: eps, limit: images)
            rows.append(Row(model: group.model, act: group.act, run: detail.run.spec.name, fgsm: fgsm, pgd: pgd))
        }
        self.rows = rows
        self.eps = eps
    }
}
