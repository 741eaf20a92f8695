import FunnelKernels
import FunnelNN

/// One branch of the pyramid pooling module: the feature map averaged over a `bins x bins` grid,
/// reduced by a 1x1 conv, normalised, activated, and stretched back to the map's size (bilinear).
public final class PoolingBranch: Module {
    public let bins: Int
    public let conv: Conv2d, bn: BatchNorm, act: Module

    init(_ inChannels: Int, _ outChannels: Int, bins: Int, config: ModelConfig) {
        self.bins = bins
        conv = Conv2d(inChannels, outChannels, kernel: 1, bias: false, initializer: .kaimingNormalFanOut)
        bn = BatchNorm(outChannels)
        act = config.act(outChannels, stage: 0)
    }

    public override func forward(_ x: Tensor) -> Tensor {
        // A map smaller than the grid is pooled to its own size (every pixel its own cell).
        let cells = (min(bins, x.shape[2]), min(bins, x.shape[3]))
        return act(bn(conv(x.adaptiveAvgPool2d(cells)))).resizedBilinear(height: x.shape[2], width: x.shape[3])
    }
}

/// PSPNet's pyramid pooling head (Zhao et al. 2017), light: the features concatenated with pooled
/// context at `bins` grid sizes (a quarter of the channels each), fused by a 3x3 conv + BN +
/// activation, then a 1x1 classifier with bias. Scores come out at the features' resolution.
///
/// Names: `stages.<i>.conv|bn|act`, `bottleneck.0` (conv), `bottleneck.1` (BN), `bottleneck.2`
/// (activation), `classifier`. Activations are the model's, placed as in the stem.
public final class PyramidPooling: Module {
    public let stages: [Module]
    public let bottleneck: Sequential
    public let classifier: Conv2d

    /// - Parameters:
    ///   - inChannels: channels of the backbone's features.
    ///   - bins: pooling grid sides; PSPNet's (1, 2, 3, 6) is for 60x60 maps, (1, 2, 4) suits
    ///     the 8x8 to 32x32 maps of CIFAR backbones on 64x64 scenes.
    public init(inChannels: Int, classes: Int, bins: [Int] = [1, 2, 4], config: ModelConfig) {
        let branch = max(inChannels / 4, 8)
        stages = bins.map { PoolingBranch(inChannels, branch, bins: $0, config: config) }
        let fused = inChannels + branch * bins.count
        let mid = max(inChannels / 2, 32)
        bottleneck = Sequential(conv3x3(fused, mid), BatchNorm(mid), config.act(mid, stage: 0))
        classifier = Conv2d(mid, classes, kernel: 1)
    }

    public override func forward(_ x: Tensor) -> Tensor {
        classifier(bottleneck(Tensor.concat([x] + stages.map { $0(x) }, axis: 1)))
    }
}
