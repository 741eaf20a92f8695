import FunnelKernels
import FunnelNN

/// A semantic segmentation network: a CIFAR ResNet backbone (no classifier, optionally with a
/// dilated last stage), PSPNet's pyramid pooling head, and bilinear upsampling of the scores to
/// the input's size. Logits `[N, classes, H, W]` for input `[N, 3, H, W]`.
///
/// Names `backbone.*` (the ResNet's own: `backbone.conv1.weight`, `backbone.layer1.0.bn1.weight`,
/// ...) and `head.*`, so a PyTorch model `nn.Module` with `backbone` and `head` children loads
/// the checkpoint.
public final class Segmenter: Module {
    public let backbone: ResNet
    public let head: PyramidPooling

    public init(backbone: ResNet, head: PyramidPooling) {
        self.backbone = backbone
        self.head = head
    }

    public override func forward(_ x: Tensor) -> Tensor {
        require(x.rank == 4, "[Segmenter] input must be [N, C, H, W], got \(x.shape)")
        return head(backbone(x)).resizedBilinear(height: x.shape[2], width: x.shape[3])
    }
}

/// The segmentation baseline without spatial context: every pixel classified from its own colour
/// alone by a per-pixel MLP (1x1 convs: 3 -> 64 -> 64 -> classes, BN and ReLU between).
/// It sees no neighbour, so whatever it gets right is what colour alone tells; the gap to a
/// `Segmenter` is what spatial modelling adds. ReLU whatever the configured activation: FReLU's
/// depthwise condition would give it a 3x3 window of context.
public final class PixelClassifier: Module {
    public let features: Sequential
    public let classifier: Conv2d

    public init(config: ModelConfig, hidden: Int = 64) {
        features = Sequential(conv1x1(3, hidden), BatchNorm(hidden), Pointwise("relu", { $0.relu() }),
                              conv1x1(hidden, hidden), BatchNorm(hidden), Pointwise("relu", { $0.relu() }))
        classifier = Conv2d(hidden, config.classes, kernel: 1)
    }

    public override func forward(_ x: Tensor) -> Tensor { classifier(features(x)) }
}
