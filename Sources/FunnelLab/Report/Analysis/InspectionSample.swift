import Foundation
import FunnelData
import FunnelNN
import FunnelTrain

/// A trained model from a run's checkpoint, in inference mode, with a few of its test images:
/// what the FReLU and DY-ReLU inspections look at.
public struct InspectionSample {
    /// The run's training configuration (from the checkpoint).
    public let config: TrainConfig
    /// The model with the checkpoint's weights, in inference mode.
    public let model: Module
    /// The images, normalised as in training: `[N, C, H, W]`.
    public let images: Tensor
    /// The same images as pictures, for tiles.
    public let pictures: [FunnelData.RGBImage]
    /// Each image's class name.
    public let captions: [String]

    /// Loads `checkpoint` and takes `count` test images: the first of each class in class order,
    /// then the second of each, and so on.
    /// - Parameters:
    ///   - data: a dataset spec in place of the one the run trained on.
    ///   - loadData: how splits are loaded (the report shares one load between inspections).
    public static func load(checkpoint: URL, data: String? = nil, count: Int,
                            loadData: (TrainConfig) throws -> Splits = { try Trainer.loadData($0) }) throws -> InspectionSample {
        // The pictures only: their labels pick and caption images, in the data's own names.
        let trained = try TrainedModel(checkpoint: checkpoint, data: data, scoresLabels: false, loadData: loadData)
        let model = trained.model
        model.setMode(.inference)
        let test = trained.splits.test
        let chosen = Self.pick(labels: test.labels, classes: test.classes.count, count: count)
        let subset = test.subset(chosen)
        let loader = DataLoader(subset, normalization: trained.normalization,
                                options: .init(batchSize: max(1, chosen.count), mode: .evaluation, threads: 0))
        let batch = loader.batch(0, epoch: 0)
        let pictures = chosen.indices.map { k -> FunnelData.RGBImage in
            let bytes = Array(subset.image(k))
            let rgb = subset.channels == 1 ? bytes.flatMap { [$0, $0, $0] } : bytes
            return FunnelData.RGBImage(width: subset.width, height: subset.height, pixels: rgb)
        }
        return InspectionSample(config: trained.config, model: model, images: batch.images, pictures: pictures,
                                captions: chosen.map { test.classes[test.labels[$0]] })
    }

    /// `count` indices: the first image of each class, then the second of each, ... (in dataset order).
    static func pick(labels: [Int], classes: Int, count: Int) -> [Int] {
        var byClass = [[Int]](repeating: [], count: max(classes, (labels.max() ?? -1) + 1))
        for (i, label) in labels.enumerated() { byClass[label].append(i) }
        var chosen: [Int] = []
        var round = 0
        while chosen.count < min(count, labels.count) {
            for members in byClass where round < members.count && chosen.count < count {
                chosen.append(members[round])
            }
            round += 1
        }
        return chosen
    }

    /// The first `n` images as their own batch.
    public func prefix(_ n: Int) -> Tensor {
        n >= images.shape[0] ? images : images.sliced(axis: 0, 0..<n)
    }
}

/// What a report needs to know of a trained model that no run record says.
enum ReportModels {
    /// Classes of a trained model: the rows of its classifier in the checkpoint, else 100 for
    /// CIFAR-100 (20 with coarse labels), else 10.
    static func classes(config: TrainConfig, checkpoint: URL?) -> Int {
        if let checkpoint, let file = try? SafetensorsFile(contentsOf: checkpoint) {
            for name in ["linear.weight", "fc.weight", "classifier.weight"] {
                if let entry = file.entries[name], entry.shape.count == 2 { return entry.shape[0] }
            }
        }
        let data = config.data.lowercased()
        if data.contains("100") { return config.coarseLabels ? 20 : 100 }
        return 10
    }
}
