import FunnelData
import FunnelNN

/// Loss and accuracy of a model over a data set, in inference mode without recording gradients.
///
/// For segmentation (batches with masks) the loss is the per-pixel cross-entropy, `top1` and
/// `top5` are per-pixel accuracies over labelled pixels, and `meanIoU`, `pixelAccuracy` and
/// `classIoU` come from the confusion matrix of all test pixels (`ConfusionMatrix`).
public struct Evaluation: Sendable, Codable, Equatable {
    public var loss: Double
    public var top1: Double
    public var top5: Double
    /// Images evaluated.
    public var count: Int
    /// Segmentation: mean IoU over classes in the truth or the predictions (nil for classification).
    public var meanIoU: Double?
    /// Segmentation: correct pixels over labelled pixels.
    public var pixelAccuracy: Double?
    /// Segmentation: each class's IoU, nil for a class absent from truth and predictions.
    public var classIoU: [Double?]?

    public init(loss: Double, top1: Double, top5: Double, count: Int, meanIoU: Double? = nil, pixelAccuracy: Double? = nil,
                classIoU: [Double?]? = nil) {
        self.loss = loss; self.top1 = top1; self.top5 = top5; self.count = count
        self.meanIoU = meanIoU; self.pixelAccuracy = pixelAccuracy; self.classIoU = classIoU
    }

    /// Evaluates `model` on every batch of `loader` (which should be in eval mode).
    /// - Throws: `TrainError.nonFiniteOutput` when a logit or the loss is NaN or infinite: a
    ///   diverged or corrupted model has no accuracy worth printing.
    public static func run(_ model: Module, _ loader: DataLoader, epoch: Int = 0) throws -> Evaluation {
        let wasTraining = model.isTraining
        model.setMode(.inference)
        defer { if wasTraining { model.setMode(.training) } }
        var loss = 0.0, top1 = 0, top5 = 0, count = 0, scored = 0
        var confusion: ConfusionMatrix?
        try withoutGrad {
            for (index, batch) in loader.batches(epoch: epoch).enumerated() {
                let logits = try requireFinite(model(batch.images), "logits of evaluation batch \(index + 1)")
                let batchLoss: Float
                if let pixels = batch.pixelLabels {
                    batchLoss = logits.pixelCrossEntropy(labels: pixels, ignoreIndex: Int(ImageDataset.ignoreLabel)).item
                    confusion = confusion ?? ConfusionMatrix(classes: logits.shape[1])
                    confusion!.add(predicted: logits.argmaxChannels(), truth: pixels, ignoreLabel: Int(ImageDataset.ignoreLabel))
                    let (c1, c5, n) = correctPixels(logits, pixels)
                    top1 += c1; top5 += c5; scored += n
                } else {
                    batchLoss = logits.crossEntropy(labels: batch.labels).item
                    let (c1, c5) = correct(logits, batch.labels)
                    top1 += c1; top5 += c5; scored += batch.labels.count
                }
                guard batchLoss.isFinite else {
                    throw TrainError.nonFiniteOutput(what: "test loss of evaluation batch \(index + 1)", value: batchLoss, index: 0)
                }
                loss += Double(batchLoss) * Double(batch.labels.count)
                count += batch.labels.count
            }
        }
        let n = Double(max(1, count)), s = Double(max(1, scored))
        return Evaluation(loss: loss / n, top1: Double(top1) / s, top5: Double(top5) / s, count: count,
                          meanIoU: confusion?.meanIoU, pixelAccuracy: confusion?.pixelAccuracy, classIoU: confusion?.classIoU)
    }

    /// Labelled pixels whose label is the top-1 / within the top-5 scores of `logits` `[N, K, H, W]`,
    /// and the number of labelled pixels (`labels` in `(n, y, x)` order, `ignoreLabel` skipped).
    public static func correctPixels(_ logits: Tensor, _ labels: [Int]) -> (top1: Int, top5: Int, labelled: Int) {
        let k = logits.shape[1]
        // Channels-last: each pixel's K scores are adjacent, pixels in (n, y, x) order.
        let scores = logits.buffer.pointer
        var c1 = 0, c5 = 0, labelled = 0
        for (pixel, y) in labels.enumerated() where y != Int(ImageDataset.ignoreLabel) {
            let row = scores + pixel * k, target = row[y]
            var better = 0
            for c in 0..<k where row[c] > target { better += 1 }
            if better == 0 { c1 += 1 }
            if better < 5 { c5 += 1 }
            labelled += 1
        }
        return (c1, c5, labelled)
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
