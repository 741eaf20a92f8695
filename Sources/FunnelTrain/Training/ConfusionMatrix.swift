import FunnelKernels

/// Counts of (true class, predicted class) over labelled pixels, and the segmentation metrics
/// they give: pixel accuracy and mean intersection over union.
///
/// Conventions (those of the common VOC/Cityscapes evaluation code): pixels labelled
/// `ignoreLabel` are not counted at all; class `c`'s IoU is `TP / (TP + FP + FN)` over the whole
/// set (not averaged per image); the mean IoU averages over the classes whose union
/// `TP + FP + FN` is not zero, i.e. classes present in the truth or in the predictions, so a class
/// absent from both neither helps nor hurts. Background is a class like any other.
public struct ConfusionMatrix: Sendable, Equatable {
    /// Number of classes.
    public let classes: Int
    /// `counts[truth * classes + predicted]`.
    public private(set) var counts: [Int]

    /// An empty matrix for `classes` classes.
    public init(classes: Int) {
        self.classes = classes
        counts = [Int](repeating: 0, count: classes * classes)
    }

    /// Adds one batch: `predicted[i]` against `truth[i]` for every pixel whose truth is not `ignoreLabel`.
    public mutating func add(predicted: [Int], truth: [Int], ignoreLabel: Int = 255) {
        require(predicted.count == truth.count, "[ConfusionMatrix] \(predicted.count) predictions for \(truth.count) labels")
        for (p, t) in zip(predicted, truth) where t != ignoreLabel {
            require(t >= 0 && t < classes && p >= 0 && p < classes, "[ConfusionMatrix] label \(t) or prediction \(p) outside 0..<\(classes)")
            counts[t * classes + p] += 1
        }
    }

    /// Labelled pixels counted.
    public var total: Int { counts.reduce(0, +) }

    /// Correctly classified pixels.
    public var correct: Int { (0..<classes).reduce(0) { $0 + counts[$1 * classes + $1] } }

    /// Correct pixels over labelled pixels (0 when there are none).
    public var pixelAccuracy: Double { total > 0 ? Double(correct) / Double(total) : 0 }

    /// Each class's IoU, nil for a class whose union is empty (absent from truth and predictions).
    public var classIoU: [Double?] {
        (0..<classes).map { c in
            let tp = counts[c * classes + c]
            let truth = (0..<classes).reduce(0) { $0 + counts[c * classes + $1] }
            let predicted = (0..<classes).reduce(0) { $0 + counts[$1 * classes + c] }
            let union = truth + predicted - tp
            return union > 0 ? Double(tp) / Double(union) : nil
        }
    }

    /// Mean IoU over the classes with a non-empty union (0 when there is none).
    public var meanIoU: Double {
        let present = classIoU.compactMap { $0 }
        return present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
    }
}
