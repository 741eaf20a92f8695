import FunnelKernels

/// NumPy/PyTorch broadcasting of two shapes; traps naming the op and both shapes when they do not fit.
func broadcastShape(_ a: [Int], _ b: [Int], op: String) -> [Int] {
    let rank = max(a.count, b.count)
    let pa = [Int](repeating: 1, count: rank - a.count) + a
    let pb = [Int](repeating: 1, count: rank - b.count) + b
    return zip(pa, pb).map { x, y in
        if x == y || y == 1 { return x }
        if x == 1 { return y }
        fatalError("[\(op)] shapes \(a) and \(b) are not broadcastable")
    }
}

extension Layout {
    /// The same memory seen with `rank` dims: leading dims of size 1 prepended.
    func padded(to rank: Int) -> Layout {
        let extra = rank - dims.count
        if extra <= 0 { return self }
        let outer = dims.reduce(1, *)
        return Layout(dims: [Int](repeating: 1, count: extra) + dims, strides: [Int](repeating: outer, count: extra) + strides)
    }

    /// Whether memory order equals row-major order of the logical dims (ignoring size-1 dims).
    var isRowMajorOrder: Bool {
        let rm = Layout.rowMajor(dims)
        for (i, d) in dims.enumerated() where d != 1 && strides[i] != rm.strides[i] { return false }
        return true
    }
}

extension Tensor {
    /// Sums a gradient over the dims that were broadcast to reach `self.shape`, giving `shape`.
    public func sumTo(_ shape: [Int]) -> Tensor {
        if shape == self.shape { return self }
        let out = Tensor(uninitialized: shape)
        Reduction.run(.sum, src: layout, buffer.pointer, dst: out.layout.padded(to: rank), out.buffer.pointer)
        return out
    }

    /// This tensor repeated along its size-1 (or missing leading) dims to `shape`, times `scale`.
    public func expanded(to shape: [Int], scale: Float = 1) -> Tensor {
        if shape == self.shape && scale == 1 { return self }
        let target = broadcastShape(self.shape, shape, op: "expand")
        require(target == shape, "[expand] cannot expand \(self.shape) to \(shape)")
        let out = Tensor(uninitialized: shape)
        StridedBroadcast.run(src: layout.padded(to: shape.count), buffer.pointer, dst: out.layout, out.buffer.pointer, scale: scale)
        let inShape = self.shape
        return out.recording("expand", [self]) { g in [g.sumTo(inShape) * scale] }
    }
}

/// `a op b` with broadcasting, computed by oneDNN (which broadcasts its second operand only).
func broadcastingBinary(_ op: Binary.Op, _ a: Tensor, _ b: Tensor, name: String) -> Tensor {
    let shape = broadcastShape(a.shape, b.shape, op: name)
    var (x, y) = (a, b)
    if x.shape != shape {
        let commutes = op == .add || op == .mul || op == .max || op == .min || op == .equal
        if commutes && y.shape == shape { swap(&x, &y) } else { x = withoutGrad { x.expanded(to: shape) } }
    }
    let out = Tensor(uninitialized: shape)
    Binary.run(op, a: x.layout, x.buffer.pointer, b: y.layout.padded(to: shape.count), y.buffer.pointer,
               dst: out.layout, out.buffer.pointer)
    return out
}
