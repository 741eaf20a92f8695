import FunnelNN

// Which convolution feeds which batch norm in each block, for `Module.foldBatchNorms()`.

extension ResNet: BatchNormFoldable {
    public var convolutionNormPairs: [(Conv2d, BatchNorm)] { [(conv1, bn1)] }
}

extension BasicBlock: BatchNormFoldable {
    public var convolutionNormPairs: [(Conv2d, BatchNorm)] { [(conv1, bn1), (conv2, bn2)] }
}

extension Bottleneck: BatchNormFoldable {
    public var convolutionNormPairs: [(Conv2d, BatchNorm)] { [(conv1, bn1), (conv2, bn2), (conv3, bn3)] }
}
