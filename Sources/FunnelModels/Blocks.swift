import FunnelNN

/// 3x3 conv without bias, Kaiming-normal (fan-out) init as torchvision's ResNet; padding equal to
/// the dilation keeps the size.
func conv3x3(_ i: Int, _ o: Int, stride: Int = 1, dilation: Int = 1) -> Conv2d {
    Conv2d(i, o, kernel: (3, 3), stride: (stride, stride), padding: (dilation, dilation), dilation: (dilation, dilation),
           bias: false, initializer: .kaimingNormalFanOut)
}

/// 1x1 conv without bias, Kaiming-normal (fan-out) init.
func conv1x1(_ i: Int, _ o: Int, stride: Int = 1) -> Conv2d {
    Conv2d(i, o, kernel: 1, stride: stride, padding: 0, bias: false, initializer: .kaimingNormalFanOut)
}

/// Squeeze-and-excitation (Hu et al. 2018): `x * sigmoid(fc2(relu(fc1(GAP(x)))))`, reduction 16.
public final class SqueezeExcitation: Module {
    public let fc1: Linear, fc2: Linear

    public init(channels: Int, reduction: Int = 16) {
        let hidden = max(1, channels / reduction)
        fc1 = Linear(channels, hidden)
        fc2 = Linear(hidden, channels)
    }

    public override func forward(_ x: Tensor) -> Tensor {
        let w = fc2(fc1(x.globalAvgPool()).relu()).sigmoid()
        return x * w.reshaped(to: [x.shape[0], x.shape[1], 1, 1])
    }
}

/// The projection shortcut (1x1 conv + BN) when shape changes, else the identity (an empty
/// `Sequential`, as the reference, so checkpoint names match).
func shortcut(_ inPlanes: Int, _ outPlanes: Int, stride: Int) -> Sequential {
    stride != 1 || inPlanes != outPlanes ? Sequential(conv1x1(inPlanes, outPlanes, stride: stride), BatchNorm(outPlanes)) : Sequential([])
}

/// ResNet basic block: `act2(bn2(conv2(act1(bn1(conv1(x))))) + shortcut(x))` (batch norm and a
/// ReLU after it run as one pass, `bn1(_:then:)`, as do the closing norm, the addition and a
/// ReLU after them, `bn2(_:adding:then:)`, unless a squeeze-and-excitation sits between).
/// Names as `torch_models.BasicBlock`: conv1, bn1, act1, conv2, bn2, act2, shortcut (and se).
public final class BasicBlock: Module {
    public static let expansion = 1
    public let conv1: Conv2d, bn1: BatchNorm, act1: Module
    public let conv2: Conv2d, bn2: BatchNorm, act2: Module
    public let shortcut: Sequential
    public let se: SqueezeExcitation?

    /// - Parameter dilation: of both 3x3 convs (a dilated stage of a segmentation backbone).
    init(_ inPlanes: Int, _ planes: Int, stride: Int, config: ModelConfig, stage: Int, dilation: Int = 1) {
        conv1 = conv3x3(inPlanes, planes, stride: stride, dilation: dilation); bn1 = BatchNorm(planes); act1 = config.act(planes, stage: stage, slot: .after3x3)
        conv2 = conv3x3(planes, planes, dilation: dilation); bn2 = BatchNorm(planes); act2 = config.act(planes, stage: stage, slot: .after3x3)
        shortcut = FunnelModels.shortcut(inPlanes, planes, stride: stride)
        se = config.placement.squeezeExcitation ? SqueezeExcitation(channels: planes) : nil
    }

    public override func forward(_ x: Tensor) -> Tensor {
        let out = conv2(bn1(conv1(x), then: act1))
        guard let se else { return bn2(out, adding: shortcut(x), then: act2) }
        return act2(se(bn2(out)), adding: shortcut(x))
    }
}

/// ResNet bottleneck: 1x1 reduce, 3x3, 1x1 expand (x4), each with BN; activations after the two
/// inner convs (the "1x1" and "3x3" slots of the placement ablation) and after the addition ("1x1").
/// `strideOn1x1` puts the stride on the first 1x1 conv as the original ResNet (v1, 3.86 GFLOPs)
/// instead of the 3x3 (torchvision's v1.5).
public final class Bottleneck: Module {
    public static let expansion = 4
    public let conv1: Conv2d, bn1: BatchNorm, act1: Module
    public let conv2: Conv2d, bn2: BatchNorm, act2: Module
    public let conv3: Conv2d, bn3: BatchNorm, act3: Module
    public let shortcut: Sequential
    public let se: SqueezeExcitation?

    /// - Parameter dilation: of the 3x3 conv (a dilated stage of a segmentation backbone).
    init(_ inPlanes: Int, _ planes: Int, stride: Int, config: ModelConfig, stage: Int, strideOn1x1: Bool = false, dilation: Int = 1) {
        let out = planes * Bottleneck.expansion
        conv1 = conv1x1(inPlanes, planes, stride: strideOn1x1 ? stride : 1); bn1 = BatchNorm(planes)
        act1 = config.act(planes, stage: stage, slot: .after1x1)
        conv2 = conv3x3(planes, planes, stride: strideOn1x1 ? 1 : stride, dilation: dilation); bn2 = BatchNorm(planes)
        act2 = config.act(planes, stage: stage, slot: .after3x3)
        conv3 = conv1x1(planes, out); bn3 = BatchNorm(out)
        act3 = config.act(out, stage: stage, slot: .after1x1)
        shortcut = FunnelModels.shortcut(inPlanes, out, stride: stride)
        se = config.placement.squeezeExcitation ? SqueezeExcitation(channels: out) : nil
    }

    public override func forward(_ x: Tensor) -> Tensor {
        let out = conv3(bn2(conv2(bn1(conv1(x), then: act1)), then: act2))
        guard let se else { return bn3(out, adding: shortcut(x), then: act3) }
        return act3(se(bn3(out)), adding: shortcut(x))
    }
}
