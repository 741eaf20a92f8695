import Foundation
import FunnelNN

/// A registered architecture: how to build it and what input it expects.
public struct ModelEntry: Sendable {
    public let name: String
    /// How reports write it, as its paper does (`ResNet-20`).
    public let displayName: String
    public let summary: String
    /// Input as `[C, H, W]`.
    public let input: [Int]
    public let defaultClasses: Int
    /// What it can be built for: CIFAR ResNets classify, or segment as a `Segmenter`'s backbone.
    public let tasks: Set<ModelTask>
    /// Where it takes the configured activation: what a `Placement` may name.
    public let activationSlots: ActivationSlots
    let build: @Sendable (ModelConfig) -> Module

    init(name: String, displayName: String, summary: String, input: [Int], defaultClasses: Int, tasks: Set<ModelTask> = [.classify],
         activationSlots: ActivationSlots, build: @escaping @Sendable (ModelConfig) -> Module) {
        self.name = name; self.displayName = displayName; self.summary = summary; self.input = input; self.defaultClasses = defaultClasses
        self.tasks = tasks; self.activationSlots = activationSlots; self.build = build
    }
}

/// Why a model name was rejected.
public struct ModelError: Error, CustomStringConvertible {
    public let description: String
}

/// The one table from model name to constructor. Every model takes any registered activation.
public enum Models {
    public static let all: [ModelEntry] = [
        cifar("resnet20", "ResNet-20", "CIFAR ResNet-20: 3 stages x 3 basic blocks, 16/32/64 (torch_models.resnet20)", bottleneck: false, [3, 3, 3], [16, 32, 64]),
        cifar("resnet32", "ResNet-32", "CIFAR ResNet-32: 3 stages x 5 basic blocks, 16/32/64", bottleneck: false, [5, 5, 5], [16, 32, 64]),
        cifar("resnet56", "ResNet-56", "CIFAR ResNet-56: 3 stages x 9 basic blocks, 16/32/64", bottleneck: false, [9, 9, 9], [16, 32, 64]),
        cifar("resnet18", "ResNet-18", "CIFAR ResNet-18: basic blocks 2-2-2-2, 64..512 (torch_models.resnet18)", bottleneck: false, [2, 2, 2, 2], [64, 128, 256, 512]),
        cifar("resnet34", "ResNet-34", "CIFAR ResNet-34: basic blocks 3-4-6-3, 64..512", bottleneck: false, [3, 4, 6, 3], [64, 128, 256, 512]),
        cifar("resnet29_bottleneck", "ResNet-29 (bottleneck)",
              "CIFAR bottleneck ResNet-29 (He et al. 2016's CIFAR form, 9n+2 layers, n = 3): 3 stages x 3 bottlenecks, 16/32/64 (x4); about ResNet-20's cost",
              bottleneck: true, [3, 3, 3], [16, 32, 64]),
        cifar("resnet50", "ResNet-50", "CIFAR ResNet-50: bottlenecks 3-4-6-3, 64..512 (x4)", bottleneck: true, [3, 4, 6, 3], [64, 128, 256, 512]),
        ModelEntry(name: "resnet50_imagenet", displayName: "ResNet-50", summary: "ImageNet ResNet-50 (v1: stride on the first 1x1), 224x224", input: [3, 224, 224], defaultClasses: 1000,
                   activationSlots: resNetSlots(stages: 4, bottleneck: true)) {
            ResNet(config: $0, bottleneck: true, blocks: [3, 4, 6, 3], widths: [64, 128, 256, 512], stem: .imagenet)
        },
        ModelEntry(name: "resnet101_imagenet", displayName: "ResNet-101", summary: "ImageNet ResNet-101 (v1), 224x224", input: [3, 224, 224], defaultClasses: 1000,
                   activationSlots: resNetSlots(stages: 4, bottleneck: true)) {
            ResNet(config: $0, bottleneck: true, blocks: [3, 4, 23, 3], widths: [64, 128, 256, 512], stem: .imagenet)
        },
        ModelEntry(name: "mobilenet_v1_0.75", displayName: "MobileNet v1 0.75", summary: "MobileNet v1, width 0.75, 224x224", input: [3, 224, 224], defaultClasses: 1000,
                   activationSlots: ActivationSlots(stages: 4, kinds: [.after1x1, .after3x3], squeezeExcitation: false)) {
            MobileNetV1(config: $0, width: 0.75)
        },
        ModelEntry(name: "shufflenet_v2_0.5x", displayName: "ShuffleNet v2 0.5\u{00D7}", summary: "ShuffleNet v2 0.5x, 224x224", input: [3, 224, 224], defaultClasses: 1000,
                   activationSlots: ActivationSlots(stages: 3, kinds: [.after1x1], squeezeExcitation: false)) {
            ShuffleNetV2(config: $0, width: 0.5)
        },
        ModelEntry(name: "pixel_mlp", displayName: "pixel MLP", summary: "segmentation baseline without spatial context: a per-pixel MLP of 1x1 convs, 3-64-64-classes",
                   input: [3, 64, 64], defaultClasses: 11, tasks: [.segment],
                   activationSlots: ActivationSlots(stages: 0, kinds: [], squeezeExcitation: false)) {
            PixelClassifier(config: $0)
        },
    ]

    /// A CIFAR ResNet; for segmentation, the backbone of a `Segmenter` with a pyramid pooling head.
    private static func cifar(_ name: String, _ displayName: String, _ summary: String, bottleneck: Bool, _ blocks: [Int], _ widths: [Int]) -> ModelEntry {
        ModelEntry(name: name, displayName: displayName, summary: summary, input: [3, 32, 32], defaultClasses: 10, tasks: [.classify, .segment],
                   activationSlots: resNetSlots(stages: blocks.count, bottleneck: bottleneck)) { config in
            switch config.task {
            case .classify:
                return ResNet(config: config, bottleneck: bottleneck, blocks: blocks, widths: widths)
            case .segment:
                let backbone = ResNet(config: config, bottleneck: bottleneck, blocks: blocks, widths: widths,
                                      classifier: false, dilateLastStage: config.dilated)
                return Segmenter(backbone: backbone, head: PyramidPooling(inChannels: backbone.outChannels, classes: config.classes, config: config))
            }
        }
    }

    /// A ResNet's stages: every activation of a basic block follows a 3x3 convolution; a
    /// bottleneck has both kinds.
    private static func resNetSlots(stages: Int, bottleneck: Bool) -> ActivationSlots {
        ActivationSlots(stages: stages, kinds: bottleneck ? [.after1x1, .after3x3] : [.after3x3], squeezeExcitation: true)
    }

    /// The entry for a name (case-insensitive); throws listing the valid names.
    public static func entry(_ name: String) throws -> ModelEntry {
        guard let e = all.first(where: { $0.name == name.lowercased() }) else {
            throw ModelError(description: "unknown model '\(name)'; valid models: \(all.map(\.name).joined(separator: ", "))")
        }
        return e
    }

    /// The entry for a name that can be built for `task`; throws listing the models that can.
    public static func entry(_ name: String, for task: ModelTask) throws -> ModelEntry {
        let e = try entry(name)
        guard e.tasks.contains(task) else {
            throw ModelError(description: "model '\(e.name)' cannot \(task.rawValue); models that can: \(names(for: task).joined(separator: ", "))")
        }
        return e
    }

    /// The models that can be built for `task`.
    public static func names(for task: ModelTask) -> [String] { all.filter { $0.tasks.contains(task) }.map(\.name) }

    /// Builds a model; weights are drawn from the default generator (seed it first).
    /// - Throws: `ModelError` for an unknown name, or a model that cannot do `config.task`;
    ///   `PlacementError` for a placement naming a stage, slot kind or block the model lacks.
    public static func make(_ config: ModelConfig) throws -> Module {
        let e = try entry(config.name, for: config.task)
        try e.activationSlots.check(config.placement, model: e.name)
        return e.build(config)
    }
}
