import FunnelNN

extension ONNXGraphBuilder {
    /// `norm(conv(x))`: a Conv then the norm's lowering, or with `options.foldBatchNorm` and a
    /// batch norm one Conv with the norm folded in (named after the convolution).
    public func convolution(_ conv: Conv2d, _ x: ONNXValue, normalizedBy norm: Module?) throws -> ONNXValue {
        guard options.foldBatchNorm, let batchNorm = norm as? BatchNorm else {
            let t = try apply(conv, x)
            return try norm.map { try apply($0, t) } ?? t
        }
        guard batchNorm.weight.count == conv.weight.shape[0] else {
            throw shapeMismatch("batch norm of \(batchNorm.weight.count) channels after a convolution with \(conv.weight.shape[0]) filters")
        }
        let folded = FoldedConvolution(conv, batchNorm)
        return try scoped(conv) {
            try self.conv(x, weight: constant("weight_bn_folded", folded.weight, shape: conv.weight.shape),
                          bias: constant("bias_bn_folded", folded.bias, shape: [folded.bias.count]),
                          stride: conv.stride, padding: conv.padding, dilation: conv.dilation, groups: conv.groups)
        }
    }
}
