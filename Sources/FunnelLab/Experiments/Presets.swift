import Foundation
import FunnelData
import FunnelTrain

/// Built-in experiments: the reproducibility study and the FReLU paper's ablations as CIFAR
/// experiments, each at two scales.
public enum ExperimentPresets {
    /// `full` is the study's recipe (200 epochs, multistep); `quick` fits in under an hour on
    /// 2 cores: ResNet-20, a 10,000-image CIFAR-10 subset, a 2,000-image test subset, cosine schedule.
    public enum Scale: String, CaseIterable, Sendable { case full, quick }

    public struct Preset: Sendable {
        public let name: String
        public let summary: String
        /// What the quick scale costs on the 2-core machine (measured or estimated from ResNet-20 at ~1000 img/s).
        public let quickCost: String
        let make: @Sendable (Scale, [String]) -> ExperimentSpec
    }

    public static let cifar10 = "../shared/datasets/cifar10-jpeg.tar.gz"
    public static let cifar100 = "../shared/datasets/cifar100-jpeg.tar.gz"

    static func recipe(_ scale: Scale) -> TrainConfig {
        var c = TrainConfig()
        if scale == .quick {
            c.epochs = 10; c.schedule = .cosine; c.trainLimit = 10_000; c.testLimit = 2_000
        }
        return c
    }

    private static func ablation(_ name: String, _ summary: String, cost: String, acts: [String], variants: [ExperimentSpec.Variant]? = nil,
                                 fullModel: String = "resnet20", quickModel: String = "resnet20") -> Preset {
        Preset(name: name, summary: summary, quickCost: cost) { scale, datasets in
            ExperimentSpec(name: "\(name)-\(scale.rawValue)", models: [scale == .full ? fullModel : quickModel], acts: acts,
                           datasets: datasets.isEmpty ? [cifar10] : datasets,
                           seeds: scale == .full ? [0, 1, 2, 3, 4] : [0, 1], recipe: recipe(scale), variants: variants)
        }
    }

    public static let all: [Preset] = [
        Preset(name: "study", summary: "ResNet-18/34/50 x {ReLU, Swish, Mish, FReLU, DY-ReLU-A, DY-ReLU-B} x CIFAR-10/100 x 5 seeds (quick: ResNet-20, CIFAR-10, 3 seeds)",
               quickCost: "6 acts x 3 seeds x 10 epochs of 10k images: about 45 min") { scale, datasets in
            let acts = ["relu", "swish", "mish", "frelu", "dyrelu_a", "dyrelu_b"]
            switch scale {
            case .full:
                return ExperimentSpec(name: "study-full", models: ["resnet18", "resnet34", "resnet50"], acts: acts,
                                      datasets: datasets.isEmpty ? [cifar10, cifar100] : datasets, seeds: [0, 1, 2, 3, 4], recipe: recipe(.full))
            case .quick:
                return ExperimentSpec(name: "study-quick", models: ["resnet20"], acts: acts, datasets: datasets.isEmpty ? [cifar10] : datasets,
                                      seeds: [0, 1, 2], recipe: recipe(.quick))
            }
        },
        ablation("ablation-condition", "paper rows A-E: max(x, ParamPool), max(x, MaxPool), max(x, AvgPool), x + ParamPool, max(DW(x), 0); ReLU baseline",
                 cost: "6 configs x 2 seeds x 10 epochs: about 30 min", acts: ["relu", "frelu", "frelu_b", "frelu_c", "frelu_d", "frelu_e"]),
        ablation("ablation-norm", "normalisation inside the funnel condition: none, batch, layer, instance, group",
                 cost: "5 configs x 2 seeds x 10 epochs: about 30 min",
                 acts: ["frelu:norm=none", "frelu", "frelu:norm=ln", "frelu:norm=in", "frelu:norm=gn"]),
        ablation("ablation-window", "funnel window: 1x1, 3x3, 5x5, 7x7, sum(1x3, 3x1), max(1x3, 3x1)",
                 cost: "6 configs x 2 seeds x 10 epochs: about 35 min",
                 acts: ["frelu:window=1x1", "frelu", "frelu:window=5x5", "frelu:window=7x7", "frelu:window=1x3+3x1", "frelu:window=max(1x3,3x1)"]),
        ablation("ablation-stages", "FReLU in one stage only (others ReLU) vs all stages", cost: "4 variants x 2 seeds x 10 epochs: about 30 min (measured 27)",
                 acts: ["frelu"], variants: [.init(name: "stage1", stages: [1]), .init(name: "stage2", stages: [2]),
                                             .init(name: "stage3", stages: [3]), .init(name: "all")]),
        ablation("ablation-layers", "bottlenecks: FReLU after the 1x1 convs, after the 3x3 convs, or both (CIFAR ResNet-50; quick: bottleneck ResNet-29)",
                 cost: "3 variants x 2 seeds x 10 epochs on bottleneck ResNet-29: about 40 min",
                 acts: ["frelu"], variants: [.init(name: "after1x1", slots: .after1x1), .init(name: "after3x3", slots: .after3x3), .init(name: "both")],
                 // ResNet-50 trains at ~16 img/s with FReLU on 2 cores, too slow for a quick budget to
                 // get past chance; He et al.'s CIFAR bottleneck ResNet (16/32/64 x4) has the same
                 // slots at about ResNet-20's cost.
                 fullModel: "resnet50", quickModel: "resnet29_bottleneck"),
        ablation("ablation-se", "compatibility with squeeze-and-excitation: ReLU, FReLU, ReLU+SE, FReLU+SE",
                 cost: "4 configs x 2 seeds x 10 epochs: about 45 min (measured 44)",
                 acts: ["relu", "frelu"], variants: [.init(name: "plain"), .init(name: "se", se: true)]),
        dense,
    ]

    /// Segmentation: the study's activations on scenes made from CIFAR images (`SceneDataset`).
    /// Datasets given are scene sources (`scenes:` is added where missing), so `--data` takes the
    /// CIFAR archive itself.
    static let dense = Preset(name: "dense", summary: "segmentation of CIFAR scenes (64x64, 1-4 objects): ResNet-20 + pyramid pooling x {ReLU, Swish, Mish, FReLU, DY-ReLU-B} x 3 seeds (full: dilated ResNet-18, 50k scenes)",
                              quickCost: "5 acts x 3 seeds x 10 epochs of 5k scenes: about 2.5 h (15-20 min a run, two at a time)") { scale, datasets in
        var r = recipe(scale)
        r.task = .segment
        switch scale {
        case .quick: r.syntheticTrain = 5_000; r.syntheticTest = 1_000
        case .full: r.syntheticTrain = 50_000; r.syntheticTest = 10_000; r.dilated = true; r.epochs = 100; r.schedule = .cosine
        }
        let sources = datasets.isEmpty ? [cifar10] : datasets
        return ExperimentSpec(name: "dense-\(scale.rawValue)", models: [scale == .full ? "resnet18" : "resnet20"],
                              acts: ["relu", "swish", "mish", "frelu", "dyrelu_b"],
                              datasets: sources.map { $0.hasPrefix(DatasetLoader.scenesPrefix) ? $0 : DatasetLoader.scenesPrefix + $0 },
                              seeds: scale == .full ? [0, 1, 2, 3, 4] : [0, 1, 2], recipe: r)
    }

    /// The preset's experiment at a scale; `datasets` replaces the preset's when not empty.
    public static func spec(_ name: String, scale: Scale, datasets: [String] = []) throws -> ExperimentSpec {
        guard let p = all.first(where: { $0.name == name }) else {
            throw ExperimentError("unknown preset '\(name)'; presets: \(all.map(\.name).joined(separator: ", "))")
        }
        return p.make(scale, datasets)
    }
}
