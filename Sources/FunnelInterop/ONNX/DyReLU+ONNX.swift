import FunnelNN

extension DyReLU: ONNXExportable {
    /// `y_c = max_k (a_c^k x_c + b_c^k)` with the coefficients of Funnel's kernel
    /// (`DynamicReLUKernel`): `θ = 2σ(fc2(relu(fc1(GAP(x))))) - 1` read as `[N, C or 1, 2K]`
    /// (K slopes, then K intercepts), `a^k = [k = 0] + λa θ_k`, `b^k = λb θ_{K+k}`; DY-ReLU-C then
    /// scales by the spatial attention. GlobalAveragePool, Gemm, Relu, Sigmoid, Mul, Add, Slice, Max.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        guard x.rank == 4, let c = x.shape[1] else { throw graph.shapeMismatch("DY-ReLU of \(ONNXGraphBuilder.describe(x.shape)), not [N, C, H, W]") }
        let k = pieces
        let hyper = try graph.apply(fc2, graph.relu(graph.apply(fc1, graph.globalAveragePooled(x))))
        let theta = try graph.sub(graph.mul(graph.sigmoid(graph.reshape(hyper, [0, variant == .a ? 1 : c, 2 * k])), 2), 1)
        let scale = [Float](repeating: lambdaA, count: k) + [Float](repeating: lambdaB, count: k)
        let initial = [1] + [Float](repeating: 0, count: 2 * k - 1)
        let coefficients = try graph.add(graph.mul(theta, graph.constant("lambdas", scale, shape: [2 * k])),
                                         graph.constant("initial_coefficients", initial, shape: [2 * k]))
        // Coefficient i of every channel as [N, C or 1, 1, 1], to broadcast over positions.
        func coefficient(_ i: Int) throws -> ONNXValue { graph.unsqueeze(try graph.slice(coefficients, axis: 2, i..<(i + 1)), axes: [3]) }
        let lines = try (0..<k).map { piece in try graph.add(graph.mul(x, coefficient(piece)), coefficient(k + piece)) }
        let y = k == 1 ? lines[0] : try graph.max(lines)
        return variant == .c ? try graph.mul(y, spatialAttention(x, graph)) : y
    }

    /// DY-ReLU-C's `π = min(γ softmax_hw(conv1x1(x) / τ), 1)` as `[N, 1, H, W]`, γ = H W / 3 unless set.
    private func spatialAttention(_ x: ONNXValue, _ graph: ONNXGraphBuilder) throws -> ONNXValue {
        guard let spatial, let h = x.shape[2], let w = x.shape[3] else { throw graph.unsupported("variant C without its spatial 1x1 convolution") }
        let logits = try graph.div(graph.reshape(graph.apply(spatial, x), [0, h * w]), tau)
        let attention = try graph.min([graph.mul(graph.softmax(logits, axis: 1), gamma ?? Float(h * w) / 3), graph.scalar(1)])
        return try graph.reshape(attention, [0, 1, h, w])
    }
}
