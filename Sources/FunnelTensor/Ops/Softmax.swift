import FunnelKernels

extension Tensor {
    private func softmaxOp(_ kind: Softmax.Kind, axis: Int, name: String) -> Tensor {
        let a = axis < 0 ? axis + rank : axis
        require(a >= 0 && a < rank, "[\(name)] axis \(axis) out of range for shape \(shape)")
        let out = Tensor(uninitialized: shape)
        Softmax.forward(kind, layout, axis: a, src: buffer.pointer, dst: out.buffer.pointer)
        // The gradient needs only the output.
        let y = out.detached()
        return out.recording(name, [self]) { g in
            let dx = Tensor(uninitialized: y.shape)
            Softmax.backward(kind, y.layout, axis: a, dst: y.buffer.pointer, diffDst: g.buffer.pointer, diffSrc: dx.buffer.pointer)
            return [dx]
        }
    }

    /// `exp(x) / sum(exp(x))` along `axis`.
    public func softmax(axis: Int = -1) -> Tensor { softmaxOp(.softmax, axis: axis, name: "softmax") }

    /// `x - log(sum(exp(x)))` along `axis`, computed stably.
    public func logSoftmax(axis: Int = -1) -> Tensor { softmaxOp(.logSoftmax, axis: axis, name: "log_softmax") }

    /// Mean cross-entropy of logits `[N, K]` against class indices, optionally with label smoothing
    /// `eps` (targets `(1 - eps) * onehot + eps / K`, as PyTorch's `label_smoothing`).
    public func crossEntropy(labels: [Int], labelSmoothing eps: Float = 0) -> Tensor {
        require(rank == 2, "[cross_entropy] logits must be [N, K], got \(shape)")
        require(labels.count == shape[0], "[cross_entropy] \(labels.count) labels for \(shape[0]) rows of logits \(shape)")
        let k = shape[1]
        var target = [Float](repeating: eps / Float(k), count: count)
        for (i, y) in labels.enumerated() {
            require(y >= 0 && y < k, "[cross_entropy] label \(y) at row \(i) is outside 0..<\(k)")
            target[i * k + y] += 1 - eps
        }
        let t = Tensor(shape: shape, scalars: target)
        return -(logSoftmax(axis: 1) * t).sum() / Float(shape[0])
    }
}
