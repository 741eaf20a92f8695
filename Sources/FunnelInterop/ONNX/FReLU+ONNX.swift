import FunnelNN

extension FReLU: ONNXExportable {
    /// `max(x, T(x))` with the funnel condition `T(x) = BN(DWConv(x))`: a depthwise Conv (group = C),
    /// BatchNormalization and Max, or the Conv with the norm folded in (`--fold-bn`), which is
    /// what Funnel's fused inference kernel computes. The paper's ablations: sum `x + T(x)` (D),
    /// `max(T(x), 0)` (E), pooling conditions (B, C), other norms and windows.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        let t = try funnelCondition(x, graph)
        switch combination {
        case .max: return try graph.max([x, t])
        case .sum: return try graph.add(x, t)
        case .relu: return graph.relu(t)
        }
    }

    /// T(x), as `spatialCondition(_:)`.
    private func funnelCondition(_ x: ONNXValue, _ graph: ONNXGraphBuilder) throws -> ONNXValue {
        func normed(_ conv: Conv2d?, _ norm: Module?) throws -> ONNXValue {
            guard let conv else { throw graph.unsupported("parametric condition without its depthwise convolution") }
            return try graph.convolution(conv, x, normalizedBy: norm)
        }
        switch (condition, window) {
        case (.maxPool, _): return try graph.maxPool(x, kernel: (3, 3), stride: (1, 1), padding: (1, 1))
        case (.avgPool, _): return try graph.averagePool(x, kernel: (3, 3), stride: (1, 1), padding: (1, 1), countIncludePad: true)
        case (.parametric, .square): return try normed(convFrelu, bnFrelu)
        case (.parametric, .sumOfStrips): return try graph.add(normed(convFrelu1, bnFrelu1), normed(convFrelu2, bnFrelu2))
        case (.parametric, .maxOfStrips): return try graph.max([normed(convFrelu1, bnFrelu1), normed(convFrelu2, bnFrelu2)])
        }
    }
}
