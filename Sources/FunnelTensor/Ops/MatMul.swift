import FunnelKernels

extension Tensor {
    /// Matrix product over the last two dims, batch dims broadcasting: `[..., M, K] @ [..., K, N]`.
    public func matmul(_ other: Tensor) -> Tensor {
        require(rank >= 2 && other.rank >= 2 && shape[rank - 1] == other.shape[other.rank - 2],
                     "[matmul] shapes \(shape) and \(other.shape) do not multiply")
        let batch = broadcastShape(Array(shape.dropLast(2)), Array(other.shape.dropLast(2)), op: "matmul")
        let r = batch.count + 2
        // oneDNN's matmul reads any strides, so 4-D (channels-last) operands need no copy.
        let out = Tensor(uninitialized: batch + [shape[rank - 2], other.shape[other.rank - 1]])
        MatMul.run(a: layout.padded(to: r), buffer.pointer, b: other.layout.padded(to: r), other.buffer.pointer,
                   c: out.layout, out.buffer.pointer)
        return out.recording("matmul", [self, other]) { g in
            [self.requiresGrad ? g.matmul(other.transposed()).sumTo(self.shape) : nil,
             other.requiresGrad ? self.transposed().matmul(g).sumTo(other.shape) : nil]
        }
    }
}
