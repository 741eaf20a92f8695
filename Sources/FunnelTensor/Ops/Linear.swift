import FunnelKernels

extension Tensor {
    /// `x W^T + b` for `x: [N, I]`, `W: [O, I]` (PyTorch's layout), `b: [O]`, on oneDNN's inner product.
    public func linear(_ weight: Tensor, bias: Tensor? = nil) -> Tensor {
        require(rank == 2 && weight.rank == 2 && weight.shape[1] == shape[1],
                     "[linear] input \(shape) does not fit weight \(weight.shape)")
        if let bias { require(bias.shape == [weight.shape[0]], "[linear] bias \(bias.shape) for weight \(weight.shape)") }
        let s = InnerProduct.Shape(batch: shape[0], inFeatures: shape[1], outFeatures: weight.shape[0], hasBias: bias != nil)
        OpCounter.current?.add(s.batch * s.inFeatures * s.outFeatures)
        let out = Tensor(uninitialized: [s.batch, s.outFeatures])
        InnerProduct.forward(s, x: buffer.pointer, weight: weight.buffer.pointer, bias: bias?.buffer.pointer, y: out.buffer.pointer)
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        return out.recording("linear", inputs) { g in
            var dx: Tensor?
            if self.requiresGrad {
                dx = Tensor(uninitialized: self.shape)
                InnerProduct.backwardData(s, diffY: g.buffer.pointer, weight: weight.buffer.pointer, diffX: dx!.buffer.pointer)
            }
            let dw = Tensor(uninitialized: weight.shape)
            let db = bias.map { Tensor(uninitialized: $0.shape) }
            InnerProduct.backwardWeights(s, x: self.buffer.pointer, diffY: g.buffer.pointer, diffWeight: dw.buffer.pointer, diffBias: db?.buffer.pointer)
            return [dx, dw] + (bias == nil ? [] : [db])
        }
    }

    /// Zeroes each element with probability `p` and scales survivors by `1 / (1 - p)` (inverted dropout).
    public func dropout(p: Float, generator: inout RandomGenerator) -> Tensor {
        require(p >= 0 && p < 1, "[dropout] p = \(p) must be in [0, 1)")
        if p == 0 { return self }
        let keep = 1 / (1 - p)
        let mask = Tensor.generated(shape) { v in for i in v.indices { v[i] = generator.nextUniform() >= p ? keep : 0 } }
        return self * mask
    }
}
