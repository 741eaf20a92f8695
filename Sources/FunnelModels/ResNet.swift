import FunnelKernels
import FunnelNN

/// Residual networks. The CIFAR form (3x3 stem, stride 1, no max-pool) matches
/// `torch_models.ResNet18` layer for layer and name for name (`conv1`, `bn1`, `act1`, `layer1.0.conv1`,
/// ..., `linear`); the ImageNet form has the 7x7 stride-2 stem and a 3x3 max-pool.
public final class ResNet: Module {
    public enum Stem: Sendable { case cifar, imagenet }

    public let conv1: Conv2d, bn1: BatchNorm, act1: Module
    public let layer1: Sequential, layer2: Sequential, layer3: Sequential, layer4: Sequential?
    public let linear: Linear
    public let stem: Stem

    /// - Parameters:
    ///   - bottleneck: bottleneck blocks (ResNet-50/101) instead of basic blocks.
    ///   - blocks: blocks per stage; 3 stages (ResNet-20/32/56) or 4.
    ///   - widths: planes per stage.
    public init(config: ModelConfig, bottleneck: Bool, blocks: [Int], widths: [Int], stem: Stem = .cifar) {
        require(blocks.count == widths.count && (3...4).contains(blocks.count), "[ResNet] \(blocks.count) stages")
        self.stem = stem
        let w0 = widths[0]
        conv1 = stem == .cifar ? conv3x3(3, w0) : Conv2d(3, w0, kernel: 7, stride: 2, padding: 3, bias: false, initializer: .kaimingNormalFanOut)
        bn1 = BatchNorm(w0)
        act1 = config.act(w0, stage: 0)
        var inPlanes = w0
        var stages: [Sequential] = []
        for (i, (n, w)) in zip(blocks, widths).enumerated() {
            var seq: [Module] = []
            for j in 0..<n {
                let stride = i > 0 && j == 0 ? 2 : 1
                if bottleneck {
                    seq.append(Bottleneck(inPlanes, w, stride: stride, config: config, stage: i + 1, strideOn1x1: stem == .imagenet))
                    inPlanes = w * Bottleneck.expansion
                } else {
                    seq.append(BasicBlock(inPlanes, w, stride: stride, config: config, stage: i + 1))
                    inPlanes = w
                }
            }
            stages.append(Sequential(seq))
        }
        layer1 = stages[0]; layer2 = stages[1]; layer3 = stages[2]; layer4 = stages.count > 3 ? stages[3] : nil
        linear = Linear(inPlanes, config.classes)
    }

    public override func forward(_ x: Tensor) -> Tensor {
        var out = act1(bn1(conv1(x)))
        if stem == .imagenet { out = out.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        out = layer3(layer2(layer1(out)))
        if let layer4 { out = layer4(out) }
        return linear(out.globalAvgPool())
    }
}
