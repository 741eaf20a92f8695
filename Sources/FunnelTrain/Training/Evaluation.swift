import FunnelData
import FunnelNN

/// Loss and accuracy of a model over a data set, in inference mode without recording gradients.
public struct Evaluation: Sendable, Codable, Equatable {
    public var loss: Double
    public var top1: Double
    public var top5: Double
    public var count: Int

    /// Evaluates `model` on every batch of `loader` (which should be in eval mode).
    public static func run(_ model: Module, _ loader: DataLoader, epoch: Int = 0) -> Evaluation {
        let wasTraining = model.isTraining
        model.setMode(.inference)
        defer { if wasTraining { model.setMode(.training) } }
        var loss = 0.0, top1 = 0, top5 = 0, count = 0
        withoutGrad {
            for batch in loader.batches(epoch: epoch) {
                let logits = model(batch.images)
                loss += Double(logits.crossEntropy(labels: batch.labels).item) * Double(batch.labels.count)
                let (c1, c5) = correct(logits, batch.labels)
                top1 += c1; top5 += c5; count += batch.labels.count
            }
        }
        let n = Double(max(1, count))
        return Evaluation(loss: loss / n, top1: Double(top1) / n, top5: Double(top5) / n, count: count)
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
