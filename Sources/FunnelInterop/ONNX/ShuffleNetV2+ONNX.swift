import FunnelModels
import FunnelNN

extension ShuffleUnit: ONNXExportable {
    /// Stride 2: `shuffle(concat(branch1(x), branch2(x)))`; stride 1: `shuffle(concat(x₁, branch2(x₂)))`
    /// with `x₁`, `x₂` the two halves of the channels.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        let out: ONNXValue
        if let branch1 {
            out = try graph.concat([graph.apply(branch1, x), graph.apply(branch2, x)], axis: 1)
        } else {
            guard let c = x.shape[1], c % 2 == 0 else { throw graph.shapeMismatch("shuffle unit of \(ONNXGraphBuilder.describe(x.shape)): odd channels") }
            let halves = try graph.split(x, axis: 1, sizes: [c / 2, c / 2])
            out = try graph.concat([halves[0], graph.apply(branch2, halves[1])], axis: 1)
        }
        return try graph.channelShuffled(out, groups: 2)
    }
}

extension ShuffleNetV2: ONNXExportable {
    /// `fc(GAP(conv5(stage4(stage3(stage2(maxpool(conv1(x))))))))`.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        var out = try graph.maxPool(graph.apply(conv1, x), kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        for stage in [stage2, stage3, stage4, conv5] { out = try graph.apply(stage, out) }
        return try graph.apply(fc, graph.globalAveragePooled(out))
    }
}
