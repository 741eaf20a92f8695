import FunnelKernels
import FunnelNN

/// Residual networks. The CIFAR form (3x3 stem, stride 1, no max-pool) matches
/// `torch_models.ResNet18` layer for layer and name for name (`conv1`, `bn1`, `act1`, `layer1.0.conv1`,
/// ..., `linear`); the ImageNet form has the 7x7 stride-2 stem and a 3x3 max-pool.
/// As a segmentation backbone it has no `linear` and `forward` returns the last stage's features.
public final class ResNet: Module {
    public enum Stem: Sendable { case cifar, imagenet }

    public let conv1: Conv2d, bn1: BatchNorm, act1: Module
    public let layer1: Sequential, layer2: Sequential, layer3: Sequential, layer4: Sequential?
    /// The classifier; nil in a backbone, whose output is the last stage's feature map.
    public let linear: Linear?
    public let stem: Stem
    /// Channels of the last stage's output.
    public let outChannels: Int

    /// - Parameters:
    ///   - bottleneck: bottleneck blocks (ResNet-50/101) instead of basic blocks.
    ///   - blocks: blocks per stage; 3 stages (ResNet-20/32/56) or 4.
    ///   - widths: planes per stage.
    ///   - classifier: ends with global average pooling and `linear`; false makes a backbone.
    ///   - dilateLastStage: the last stage keeps its input's resolution (stride 1) and its 3x3 convs
    ///     are dilated by 2, except the first block's, which keep dilation 1 as torchvision's
    ///   `replace_stride_with_dilation` (its convs still see the undilated input). Names do not change.
    public init(config: ModelConfig, bottleneck: Bool, blocks: [Int], widths: [Int], stem: Stem = .cifar,
                classifier: Bool = true, dilateLastStage: Bool = false) {
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
            let dilatedStage = dilateLastStage && i == blocks.count - 1
            for j in 0..<n {
                let stride = i > 0 && j == 0 && !dilatedStage ? 2 : 1
                let dilation = dilatedStage && j > 0 ? 2 : 1
                if bottleneck {
                    seq.append(Bottleneck(inPlanes, w, stride: stride, config: config, stage: i + 1, strideOn1x1: stem == .imagenet, dilation: dilation))
                    inPlanes = w * Bottleneck.expansion
                } else {
                    seq.append(BasicBlock(inPlanes, w, stride: stride, config: config, stage: i + 1, dilation: dilation))
                    inPlanes = w
                }
            }
            stages.append(Sequential(seq))
        }
        layer1 = stages[0]; layer2 = stages[1]; layer3 = stages[2]; layer4 = stages.count > 3 ? stages[3] : nil
        outChannels = inPlanes
        linear = classifier ? Linear(inPlanes, config.classes) : nil
    }

    /// The last stage's feature map `[N, outChannels, H / stride, W / stride]`.
    public func features(_ x: Tensor) -> Tensor {
        var out = bn1(conv1(x), then: act1)
        if stem == .imagenet { out = out.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        out = layer3(layer2(layer1(out)))
        if let layer4 { out = layer4(out) }
        return out
    }

    /// Logits `[N, classes]`, or the features for a backbone without `linear`.
    public override func forward(_ x: Tensor) -> Tensor {
        let out = features(x)
        guard let linear else { return out }
        return linear(out.globalAvgPool())
    }
}
