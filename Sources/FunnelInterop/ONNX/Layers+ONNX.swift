import FunnelNN

// Funnel's building blocks (FunnelNN/Layers, Core) in inference mode.

extension Sequential: ONNXExportable {
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        var y = x, i = 0
        while i < layers.count {
            // A convolution and the batch norm right after it go together, so that they can be folded.
            if let conv = layers[i] as? Conv2d, i + 1 < layers.count, let norm = layers[i + 1] as? BatchNorm {
                y = try graph.convolution(conv, y, normalizedBy: norm)
                i += 2
            } else {
                y = try graph.apply(layers[i], y)
                i += 1
            }
        }
        return y
    }
}

extension Identity: ONNXExportable {
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue { x }
}

extension Dropout: ONNXExportable {
    /// Dropout is the identity in inference.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue { x }
}

extension Conv2d: ONNXExportable {
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        try graph.conv(x, weight: graph.weight(weight), bias: bias.map { graph.weight($0) },
                       stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

extension Linear: ONNXExportable {
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        try graph.gemm(x, weight: graph.weight(weight), bias: bias.map { graph.weight($0) })
    }
}

extension BatchNorm: ONNXExportable {
    /// On the running statistics. One after a convolution is folded into it by `convolution(_:_:normalizedBy:)`
    /// when asked; one on its own stays a BatchNormalization node.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        graph.batchNormalization(x, scale: graph.weight(weight), bias: graph.weight(bias), mean: graph.weight(runningMean),
                                 variance: graph.weight(runningVar), epsilon: eps)
    }
}

extension GroupNorm: ONNXExportable {
    /// Opset 17 has no GroupNormalization (18 does, with another affine): the groups become the
    /// channels of an instance norm of `[N, G, C/G * H * W]`, then the per-channel affine.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        guard x.rank == 4, let c = x.shape[1], let h = x.shape[2], let w = x.shape[3], c % groups == 0 else {
            throw graph.shapeMismatch("group norm of \(ONNXGraphBuilder.describe(x.shape)) in \(groups) groups")
        }
        let grouped = try graph.reshape(x, [0, groups, -1])
        let normalized = graph.instanceNormalization(grouped, scale: graph.constant("group_scale", [Float](repeating: 1, count: groups), shape: [groups]),
                                                     bias: graph.constant("group_bias", [Float](repeating: 0, count: groups), shape: [groups]),
                                                     epsilon: eps)
        var y = try graph.reshape(normalized, [0, c, h, w])
        if let weight { y = try graph.mul(y, graph.weight(weight, shape: [c, 1, 1])) }
        if let bias { y = try graph.add(y, graph.weight(bias, shape: [c, 1, 1])) }
        return y
    }
}

extension InstanceNorm: ONNXExportable {
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        graph.instanceNormalization(x, scale: graph.weight(weight), bias: graph.weight(bias), epsilon: eps)
    }
}

extension LayerNorm: ONNXExportable {
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        guard Array(x.shape.suffix(normalizedShape.count)) == normalizedShape.map(Optional.some) else {
            throw graph.shapeMismatch("layer norm over \(normalizedShape) of \(ONNXGraphBuilder.describe(x.shape))")
        }
        return graph.layerNormalization(x, scale: graph.weight(weight), bias: graph.weight(bias), axis: x.rank - normalizedShape.count, epsilon: eps)
    }
}

extension MaxPool2d: ONNXExportable {
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        try graph.maxPool(x, kernel: kernel, stride: stride ?? kernel, padding: padding)
    }
}

extension AvgPool2d: ONNXExportable {
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        try graph.averagePool(x, kernel: kernel, stride: stride ?? kernel, padding: padding, countIncludePad: countIncludePad)
    }
}

extension GlobalAvgPool: ONNXExportable {
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue { try graph.globalAveragePooled(x) }
}

extension Flatten: ONNXExportable {
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        try graph.reshape(x, [0, -1])
    }
}
