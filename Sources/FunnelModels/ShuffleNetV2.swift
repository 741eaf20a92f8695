import FunnelNN

/// ShuffleNet v2 unit (Ma et al. 2018). Stride 1: split channels in half, transform one half
/// (1x1 + BN + act, depthwise 3x3 + BN, 1x1 + BN + act), concatenate, shuffle. Stride 2: both
/// branches see the whole input and halve the resolution.
public final class ShuffleUnit: Module {
    public let branch1: Sequential?
    public let branch2: Sequential

    init(_ inChannels: Int, _ outChannels: Int, stride: Int, config: ModelConfig, stage: Int) {
        let half = outChannels / 2
        let branchIn = stride == 1 ? inChannels / 2 : inChannels
        func dw(_ c: Int) -> Conv2d { Conv2d(c, c, kernel: 3, stride: stride, padding: 1, groups: c, bias: false, initializer: .kaimingNormalFanOut) }
        func pw(_ i: Int, _ o: Int) -> Conv2d { Conv2d(i, o, kernel: 1, bias: false, initializer: .kaimingNormalFanOut) }
        branch1 = stride == 1 ? nil : Sequential(dw(inChannels), BatchNorm(inChannels), pw(inChannels, half), BatchNorm(half),
                                                 config.act(half, stage: stage, slot: .after1x1))
        branch2 = Sequential(pw(branchIn, half), BatchNorm(half), config.act(half, stage: stage, slot: .after1x1),
                             dw(half), BatchNorm(half),
                             pw(half, half), BatchNorm(half), config.act(half, stage: stage, slot: .after1x1))
    }

    public override func forward(_ x: Tensor) -> Tensor {
        let out: Tensor
        if let branch1 {
            out = Tensor.concat([branch1(x), branch2(x)], axis: 1)
        } else {
            let halves = x.chunked(2, axis: 1)
            out = Tensor.concat([halves[0], branch2(halves[1])], axis: 1)
        }
        return out.channelShuffled(groups: 2)
    }
}

/// ShuffleNet v2 with output channels per stage for a width (0.5x: 24, 48, 96, 192, 1024) and
/// 4, 8, 4 units; ImageNet stem (3x3 stride 2, max-pool).
public final class ShuffleNetV2: Module {
    public let conv1: Sequential
    public let stage2: Sequential, stage3: Sequential, stage4: Sequential
    public let conv5: Sequential
    public let fc: Linear

    public static let widths: [Double: [Int]] = [0.5: [24, 48, 96, 192, 1024], 1.0: [24, 116, 232, 464, 1024],
                                                 1.5: [24, 176, 352, 704, 1024], 2.0: [24, 244, 488, 976, 2048]]

    public init(config: ModelConfig, width: Double = 0.5) {
        let ch = ShuffleNetV2.widths[width] ?? ShuffleNetV2.widths[0.5]!
        conv1 = Sequential(Conv2d(3, ch[0], kernel: 3, stride: 2, padding: 1, bias: false, initializer: .kaimingNormalFanOut),
                           BatchNorm(ch[0]), config.act(ch[0], stage: 0))
        var c = ch[0]
        var stages: [Sequential] = []
        for (i, repeats) in [4, 8, 4].enumerated() {
            let out = ch[i + 1]
            stages.append(Sequential((0..<repeats).map { j in
                defer { c = out }
                return ShuffleUnit(j == 0 ? c : out, out, stride: j == 0 ? 2 : 1, config: config, stage: i + 1)
            }))
        }
        (stage2, stage3, stage4) = (stages[0], stages[1], stages[2])
        conv5 = Sequential(Conv2d(c, ch[4], kernel: 1, bias: false, initializer: .kaimingNormalFanOut), BatchNorm(ch[4]), config.act(ch[4], stage: 3, slot: .after1x1))
        fc = Linear(ch[4], config.classes)
    }

    public override func forward(_ x: Tensor) -> Tensor {
        let s = conv1(x).maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        return fc(conv5(stage4(stage3(stage2(s)))).globalAvgPool())
    }
}
