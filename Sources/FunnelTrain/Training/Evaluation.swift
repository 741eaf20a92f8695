import FunnelData
import FunnelNN

/// Loss and accuracy of a model over a data set, in inference mode without recording gradients.
public struct Evaluation: Sendable, Codable, Equatable {
    public var loss: Double
    public var top1: Double
    public var top5: Double
    public var count: Int

    /// Evaluates `model` on every batch of `loader` (which should be in eval mode).
    /// - Throws: `TrainError.nonFiniteOutput` when a logit or the loss is NaN or infinite: a
    ///   diverged or corrupted model has no accuracy worth printing.
    public static func run(_ model: Module, _ loader: DataLoader, epoch: Int = 0) throws -> Evaluation {
        let wasTraining = model.isTraining
        model.setMode(.inference)
        defer { if wasTraining { model.setMode(.training) } }
        var loss = 0.0, top1 = 0, top5 = 0, count = 0
        try withoutGrad {
            for (index, batch) in loader.batches(epoch: epoch).enumerated() {
                let logits = try requireFinite(model(batch.images), "logits of evaluation batch \(index + 1)")
                let batchLoss = logits.crossEntropy(labels: batch.labels).item
                guard batchLoss.isFinite else {
                    throw TrainError.nonFiniteOutput(what: "test loss of evaluation batch \(index + 1)", value: batchLoss, index: 0)
                }
                loss += Double(batchLoss) * Double(batch.labels.count)
                let (c1, c5) = correct(logits, batch.labels)
                top1 += c1; top5 += c5; count += batch.labels.count
            }
        }
        let n = Double(max(1, count))
        return Evaluation(loss: loss / n, top1: Double(top1) / n, top5: Double(top5) / n, count: count)
    }

    /// `logits`, unless one of them is NaN or infinite (then `nonFiniteOutput` names `what`).
    public static func requireFinite(_ logits: Tensor, _ what: String) throws -> Tensor {
        let values = logits.scalars
        if let i = values.firstIndex(where: { !$0.isFinite }) { throw TrainError.nonFiniteOutput(what: what, value: values[i], index: i) }
        return logits
    }

    /// Number of rows whose label is the top-1 / within the top-5 logits.
    public static func correct(_ logits: Tensor, _ labels: [Int]) -> (top1: Int, top5: Int) {
        let v = logits.scalars, k = logits.shape[1]
        var c1 = 0, c5 = 0
        for (i, y) in labels.enumerated() {
            let row = v[(i * k)..<((i + 1) * k)]
            let target = row[row.startIndex + y]
            // Rank of the true class: how many logits beat it (ties counted against it).
            let better = row.reduce(0) { $0 + ($1 > target ? 1 : 0) }
            if better == 0 { c1 += 1 }
            if better < 5 { c5 += 1 }
        }
        return (c1, c5)
    }
}
