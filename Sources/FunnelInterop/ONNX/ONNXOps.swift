/// The ONNX operators Funnel's lowerings use (opset 17 semantics, unchanged through 21), each
/// appending one node (a few for `globalAveragePooled` and `channelShuffled`) and working out the
/// output shape, so that a lowering reads like the layer's formula.
extension ONNXGraphBuilder {
    // MARK: Elementwise

    public func relu(_ x: ONNXValue) -> ONNXValue { node("Relu", [x], shape: x.shape) }
    public func sigmoid(_ x: ONNXValue) -> ONNXValue { node("Sigmoid", [x], shape: x.shape) }
    public func tanh(_ x: ONNXValue) -> ONNXValue { node("Tanh", [x], shape: x.shape) }
    /// `log(1 + e^x)`.
    public func softplus(_ x: ONNXValue) -> ONNXValue { node("Softplus", [x], shape: x.shape) }
    public func erf(_ x: ONNXValue) -> ONNXValue { node("Erf", [x], shape: x.shape) }
    /// `x * max(0, min(1, x/6 + 1/2))`.
    public func hardSwish(_ x: ONNXValue) -> ONNXValue { node("HardSwish", [x], shape: x.shape) }
    /// `x` for x >= 0, `alpha * x` otherwise.
    public func leakyRelu(_ x: ONNXValue, alpha: Float) -> ONNXValue { node("LeakyRelu", [x], [.float("alpha", alpha)], shape: x.shape) }
    /// `x` for x > 0, `alpha * (e^x - 1)` otherwise.
    public func elu(_ x: ONNXValue, alpha: Float) -> ONNXValue { node("Elu", [x], [.float("alpha", alpha)], shape: x.shape) }
    /// `x` for x >= 0, `slope * x` otherwise; `slope` broadcasts to `x`.
    public func prelu(_ x: ONNXValue, slope: ONNXValue) throws -> ONNXValue {
        guard try broadcastShape([x.shape, slope.shape]) == x.shape else { throw shapeMismatch("PRelu slope \(slope.shape) does not broadcast to \(x.shape)") }
        return node("PRelu", [x, slope], shape: x.shape)
    }

    public func add(_ a: ONNXValue, _ b: ONNXValue) throws -> ONNXValue { try broadcasting("Add", [a, b]) }
    public func sub(_ a: ONNXValue, _ b: ONNXValue) throws -> ONNXValue { try broadcasting("Sub", [a, b]) }
    public func mul(_ a: ONNXValue, _ b: ONNXValue) throws -> ONNXValue { try broadcasting("Mul", [a, b]) }
    public func div(_ a: ONNXValue, _ b: ONNXValue) throws -> ONNXValue { try broadcasting("Div", [a, b]) }
    public func add(_ a: ONNXValue, _ b: Float) throws -> ONNXValue { try add(a, scalar(b)) }
    public func sub(_ a: ONNXValue, _ b: Float) throws -> ONNXValue { try sub(a, scalar(b)) }
    public func mul(_ a: ONNXValue, _ b: Float) throws -> ONNXValue { try mul(a, scalar(b)) }
    public func div(_ a: ONNXValue, _ b: Float) throws -> ONNXValue { try div(a, scalar(b)) }
    /// The elementwise maximum of one or more values (broadcasting).
    public func max(_ values: [ONNXValue]) throws -> ONNXValue { try broadcasting("Max", values) }
    /// The elementwise minimum of one or more values (broadcasting).
    public func min(_ values: [ONNXValue]) throws -> ONNXValue { try broadcasting("Min", values) }

    private func broadcasting(_ op: String, _ values: [ONNXValue]) throws -> ONNXValue {
        node(op, values, shape: try broadcastShape(values.map(\.shape)))
    }

    /// NumPy broadcasting; the batch dimension (nil) meets only itself or 1.
    func broadcastShape(_ shapes: [[Int?]]) throws -> [Int?] {
        let rank = shapes.map(\.count).max() ?? 0
        return try (0..<rank).map { i -> Int? in
            // Missing leading dimensions count as 1.
            let dims = shapes.map { s -> Int? in i - (rank - s.count) >= 0 ? s[i - (rank - s.count)] : 1 }
            let mismatch = shapeMismatch("shapes \(shapes.map(Self.describe).joined(separator: ", ")) do not broadcast")
            if dims.contains(where: { $0 == nil }) {
                guard dims.allSatisfy({ $0 == nil || $0 == 1 }) else { throw mismatch }
                return nil
            }
            let size = dims.map { $0! }.max()!
            guard dims.allSatisfy({ $0 == 1 || $0 == size }) else { throw mismatch }
            return size
        }
    }

    // MARK: Convolution, normalisation, fully connected

    /// 2-D convolution of `[N, C, H, W]` by `weight` `[O, C/groups, kh, kw]`, symmetric padding.
    public func conv(_ x: ONNXValue, weight: ONNXValue, bias: ONNXValue?, stride: (Int, Int), padding: (Int, Int),
                     dilation: (Int, Int), groups: Int) throws -> ONNXValue {
        guard x.rank == 4, weight.rank == 4, let c = x.shape[1], let o = weight.shape[0], let i = weight.shape[1],
              let kh = weight.shape[2], let kw = weight.shape[3], c == i * groups, let h = x.shape[2], let w = x.shape[3] else {
            throw shapeMismatch("Conv of \(Self.describe(x.shape)) by weight \(Self.describe(weight.shape)) in \(groups) groups")
        }
        let outH = (h + 2 * padding.0 - dilation.0 * (kh - 1) - 1) / stride.0 + 1
        let outW = (w + 2 * padding.1 - dilation.1 * (kw - 1) - 1) / stride.1 + 1
        guard outH > 0, outW > 0 else { throw shapeMismatch("Conv kernel \(kh)x\(kw) does not fit input \(Self.describe(x.shape))") }
        return node("Conv", [x, weight] + (bias.map { [$0] } ?? []),
                    [.ints("kernel_shape", [kh, kw]), .ints("strides", [stride.0, stride.1]),
                     .ints("pads", [padding.0, padding.1, padding.0, padding.1]), .ints("dilations", [dilation.0, dilation.1]),
                     .int("group", groups)],
                    shape: [x.shape[0], o, outH, outW])
    }

    /// Batch normalisation with running statistics: `scale * (x - mean) / sqrt(variance + epsilon) + bias` per channel.
    public func batchNormalization(_ x: ONNXValue, scale: ONNXValue, bias: ONNXValue, mean: ONNXValue, variance: ONNXValue,
                                   epsilon: Float) -> ONNXValue {
        node("BatchNormalization", [x, scale, bias, mean, variance], [.float("epsilon", epsilon)], shape: x.shape)
    }

    /// Normalisation of `[N, C, ...]` per sample and channel over the remaining axes, then `scale`, `bias` per channel.
    public func instanceNormalization(_ x: ONNXValue, scale: ONNXValue, bias: ONNXValue, epsilon: Float) -> ONNXValue {
        node("InstanceNormalization", [x, scale, bias], [.float("epsilon", epsilon)], shape: x.shape)
    }

    /// Normalisation over the axes from `axis` on, then elementwise `scale`, `bias` of those axes' shape.
    public func layerNormalization(_ x: ONNXValue, scale: ONNXValue, bias: ONNXValue, axis: Int, epsilon: Float) -> ONNXValue {
        node("LayerNormalization", [x, scale, bias], [.int("axis", axis), .float("epsilon", epsilon)], shape: x.shape)
    }

    /// `x W^T + b` for `x` `[N, in]` and `W` `[out, in]` (PyTorch's layout).
    public func gemm(_ x: ONNXValue, weight: ONNXValue, bias: ONNXValue?) throws -> ONNXValue {
        guard x.rank == 2, weight.rank == 2, x.shape[1] == weight.shape[1] else {
            throw shapeMismatch("Gemm of \(Self.describe(x.shape)) by weight \(Self.describe(weight.shape)) (transposed)")
        }
        return node("Gemm", [x, weight] + (bias.map { [$0] } ?? []), [.int("transB", 1)], shape: [x.shape[0], weight.shape[0]])
    }

    // MARK: Pooling

    /// Max pooling, padding as -infinity, floor of the output size.
    public func maxPool(_ x: ONNXValue, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)) throws -> ONNXValue {
        node("MaxPool", [x], poolAttributes(kernel, stride, padding), shape: try pooledShape(x, kernel, stride, padding))
    }

    /// Average pooling; `countIncludePad` divides by the whole window, padding counted as zeros.
    public func averagePool(_ x: ONNXValue, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int),
                            countIncludePad: Bool) throws -> ONNXValue {
        node("AveragePool", [x], poolAttributes(kernel, stride, padding) + [.int("count_include_pad", countIncludePad ? 1 : 0)],
             shape: try pooledShape(x, kernel, stride, padding))
    }

    /// The mean over H and W, `[N, C, H, W] -> [N, C]`, as Funnel's `globalAvgPool()`.
    public func globalAveragePooled(_ x: ONNXValue) throws -> ONNXValue {
        guard x.rank == 4 else { throw shapeMismatch("global average pool of \(Self.describe(x.shape)), not [N, C, H, W]") }
        let pooled = node("GlobalAveragePool", [x], shape: [x.shape[0], x.shape[1], 1, 1])
        return node("Flatten", [pooled], [.int("axis", 1)], shape: [x.shape[0], x.shape[1]])
    }

    private func poolAttributes(_ kernel: (Int, Int), _ stride: (Int, Int), _ padding: (Int, Int)) -> [ONNXAttribute] {
        [.ints("kernel_shape", [kernel.0, kernel.1]), .ints("strides", [stride.0, stride.1]),
         .ints("pads", [padding.0, padding.1, padding.0, padding.1])]
    }

    private func pooledShape(_ x: ONNXValue, _ kernel: (Int, Int), _ stride: (Int, Int), _ padding: (Int, Int)) throws -> [Int?] {
        guard x.rank == 4, let h = x.shape[2], let w = x.shape[3] else { throw shapeMismatch("pooling of \(Self.describe(x.shape))") }
        let outH = (h + 2 * padding.0 - kernel.0) / stride.0 + 1, outW = (w + 2 * padding.1 - kernel.1) / stride.1 + 1
        guard outH > 0, outW > 0 else { throw shapeMismatch("pooling window \(kernel) does not fit input \(Self.describe(x.shape))") }
        return [x.shape[0], x.shape[1], outH, outW]
    }

    // MARK: Shapes

    /// `x` with a new shape: 0 keeps the input's dimension at that position (the batch), -1 is inferred.
    public func reshape(_ x: ONNXValue, _ dims: [Int]) throws -> ONNXValue {
        var shape: [Int?] = try dims.enumerated().map { i, d in
            guard d != 0 else {
                guard i < x.rank else { throw shapeMismatch("reshape of \(Self.describe(x.shape)) copies missing dimension \(i)") }
                return x.shape[i]
            }
            return d
        }
        let staticIn = x.shape.compactMap { $0 }.reduce(1, *)
        let known = shape.compactMap { $0 }.filter { $0 != -1 }.reduce(1, *)
        let inferred = shape.firstIndex { $0 == -1 }
        if let inferred { shape[inferred] = known > 0 && staticIn % known == 0 ? staticIn / known : nil }
        guard x.shape.filter({ $0 == nil }).count == shape.filter({ $0 == nil }).count, shape.compactMap({ $0 }).reduce(1, *) == staticIn,
              shape.allSatisfy({ $0 == nil || $0! > 0 }) else {
            throw shapeMismatch("cannot reshape \(Self.describe(x.shape)) to \(dims)")
        }
        return node("Reshape", [x, int64s(dims)], shape: shape)
    }

    /// `x` with its axes permuted.
    public func transpose(_ x: ONNXValue, _ permutation: [Int]) -> ONNXValue {
        node("Transpose", [x], [.ints("perm", permutation)], shape: permutation.map { x.shape[$0] })
    }

    /// `x` with size-1 axes inserted at `axes` (of the output).
    public func unsqueeze(_ x: ONNXValue, axes: [Int]) -> ONNXValue {
        var shape = x.shape
        for a in axes.sorted() { shape.insert(1, at: a) }
        return node("Unsqueeze", [x, int64s(axes)], shape: shape)
    }

    /// Values joined along `axis` (other dimensions equal).
    public func concat(_ values: [ONNXValue], axis: Int) throws -> ONNXValue {
        guard let first = values.first, axis < first.rank,
              values.allSatisfy({ v in v.rank == first.rank && (0..<v.rank).allSatisfy { $0 == axis || v.shape[$0] == first.shape[$0] } }),
              case let sizes = values.compactMap({ $0.shape[axis] }), sizes.count == values.count else {
            throw shapeMismatch("Concat along axis \(axis) of \(values.map { Self.describe($0.shape) }.joined(separator: ", "))")
        }
        var shape = first.shape
        shape[axis] = sizes.reduce(0, +)
        return node("Concat", values, [.int("axis", axis)], shape: shape)
    }

    /// `x` cut along `axis` into pieces of `sizes`.
    public func split(_ x: ONNXValue, axis: Int, sizes: [Int]) throws -> [ONNXValue] {
        guard axis < x.rank, x.shape[axis] == sizes.reduce(0, +) else { throw shapeMismatch("Split of \(Self.describe(x.shape)) along \(axis) into \(sizes)") }
        return node("Split", [x, int64s(sizes)], [.int("axis", axis)], outputShapes: sizes.map { size in
            var shape = x.shape
            shape[axis] = size
            return shape
        })
    }

    /// The elements `range` of `axis`.
    public func slice(_ x: ONNXValue, axis: Int, _ range: Range<Int>) throws -> ONNXValue {
        guard axis < x.rank, let size = x.shape[axis], range.lowerBound >= 0, range.upperBound <= size, !range.isEmpty else {
            throw shapeMismatch("Slice \(range) of axis \(axis) of \(Self.describe(x.shape))")
        }
        var shape = x.shape
        shape[axis] = range.count
        return node("Slice", [x, int64s([range.lowerBound]), int64s([range.upperBound]), int64s([axis])], shape: shape)
    }

    /// Softmax along `axis`.
    public func softmax(_ x: ONNXValue, axis: Int) -> ONNXValue { node("Softmax", [x], [.int("axis", axis)], shape: x.shape) }

    /// ShuffleNet's channel shuffle of `[N, C, H, W]`: channels viewed as `[groups, C/groups]`, transposed (as Funnel's `channelShuffled`).
    public func channelShuffled(_ x: ONNXValue, groups: Int) throws -> ONNXValue {
        guard x.rank == 4, let c = x.shape[1], let h = x.shape[2], let w = x.shape[3], c % groups == 0 else {
            throw shapeMismatch("channel shuffle of \(Self.describe(x.shape)) in \(groups) groups")
        }
        let grouped = try reshape(x, [0, groups, c / groups, h, w])
        return try reshape(transpose(grouped, [0, 2, 1, 3, 4]), [0, c, h, w])
    }

    /// `[N, 3, 32, 32]` for error messages.
    static func describe(_ shape: [Int?]) -> String {
        "[" + shape.map { $0.map(String.init) ?? "N" }.joined(separator: ", ") + "]"
    }
}
