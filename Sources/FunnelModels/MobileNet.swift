import FunnelNN

/// MobileNet v1 (Howard et al. 2017) with a width multiplier: a 3x3 stride-2 stem, 13 depthwise-
/// separable blocks (depthwise 3x3 + BN + act, pointwise 1x1 + BN + act), global pool, classifier.
/// The depthwise convs are the "3x3" activation slots, the pointwise ones the "1x1" slots.
public final class MobileNetV1: Module {
    public let stem: Sequential
    public let features: Sequential
    public let classifier: Linear

    /// (output channels, stride) of the 13 separable blocks at width 1.
    static let blocks: [(Int, Int)] = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
                                       (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]

    public init(config: ModelConfig, width: Double = 0.75) {
        func scaled(_ c: Int) -> Int { Int((Double(c) * width).rounded()) }
        let c0 = scaled(32)
        stem = Sequential(Conv2d(3, c0, kernel: 3, stride: 2, padding: 1, bias: false, initializer: .kaimingNormalFanOut),
                          BatchNorm(c0), config.act(c0, stage: 0))
        var layers: [Module] = []
        var c = c0
        for (i, (out, stride)) in MobileNetV1.blocks.enumerated() {
            let o = scaled(out)
            let stage = min(4, i / 3 + 1)
            layers.append(Sequential(
                Conv2d(c, c, kernel: 3, stride: stride, padding: 1, groups: c, bias: false, initializer: .kaimingNormalFanOut),
                BatchNorm(c), config.act(c, stage: stage, slot: .after3x3),
                Conv2d(c, o, kernel: 1, bias: false, initializer: .kaimingNormalFanOut),
                BatchNorm(o), config.act(o, stage: stage, slot: .after1x1)))
            c = o
        }
        features = Sequential(layers)
        classifier = Linear(c, config.classes)
    }

    public override func forward(_ x: Tensor) -> Tensor { classifier(features(stem(x)).globalAvgPool()) }
}
