import FunnelModels
import FunnelNN

extension ResNet: ONNXExportable {
    /// `linear(GAP(layers(act1(bn1(conv1(x))))))`, with the ImageNet stem's 3x3 stride-2 max-pool;
    /// a backbone (no `linear`) gives the last stage's features.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        var out = try graph.apply(act1, graph.convolution(conv1, x, normalizedBy: bn1))
        if stem == .imagenet { out = try graph.maxPool(out, kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        for layer in [layer1, layer2, layer3] + (layer4.map { [$0] } ?? []) { out = try graph.apply(layer, out) }
        guard let linear else { return out }
        return try graph.apply(linear, graph.globalAveragePooled(out))
    }
}

extension BasicBlock: ONNXExportable {
    /// `act2(se(bn2(conv2(act1(bn1(conv1(x)))))) + shortcut(x))`.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        var out = try graph.convolution(conv2, graph.apply(act1, graph.convolution(conv1, x, normalizedBy: bn1)), normalizedBy: bn2)
        if let se { out = try graph.apply(se, out) }
        return try graph.apply(act2, graph.add(out, graph.apply(shortcut, x)))
    }
}

extension Bottleneck: ONNXExportable {
    /// `act3(se(bn3(conv3(act2(bn2(conv2(act1(bn1(conv1(x))))))))) + shortcut(x))`.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        let reduced = try graph.apply(act1, graph.convolution(conv1, x, normalizedBy: bn1))
        let spatial = try graph.apply(act2, graph.convolution(conv2, reduced, normalizedBy: bn2))
        var out = try graph.convolution(conv3, spatial, normalizedBy: bn3)
        if let se { out = try graph.apply(se, out) }
        return try graph.apply(act3, graph.add(out, graph.apply(shortcut, x)))
    }
}

extension SqueezeExcitation: ONNXExportable {
    /// `x σ(fc2(relu(fc1(GAP(x)))))`, the weights viewed as `[N, C, 1, 1]`.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        let weights = try graph.sigmoid(graph.apply(fc2, graph.relu(graph.apply(fc1, graph.globalAveragePooled(x)))))
        return try graph.mul(x, graph.unsqueeze(weights, axes: [2, 3]))
    }
}
