import FunnelKernels

// Shape ops. Logical views share storage when memory order allows (row-major to row-major);
// otherwise the data is copied once by a oneDNN reorder.

extension Tensor {
    /// The same elements with another shape (one dim may be -1).
    public func reshaped(to newShape: [Int]) -> Tensor {
        var target = newShape
        if let i = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            require(known > 0 && count % known == 0, "[reshape] cannot reshape \(shape) to \(newShape)")
            target[i] = count / known
        }
        require(target.reduce(1, *) == count, "[reshape] cannot reshape \(shape) (\(count) elements) to \(newShape)")
        if target == shape { return self }
        let to = Tensor.layout(for: target)
        let out: Tensor
        if layout.isRowMajorOrder && to.isRowMajorOrder {
            out = Tensor(shape: target, buffer: buffer)
        } else {
            // Bring memory into row-major order of the old shape, which is row-major order of the new.
            out = Tensor(uninitialized: target)
            if to.isRowMajorOrder {
                copyStrided(layout, buffer.pointer, .rowMajor(shape), out.buffer.pointer)
            } else {
                let rowMajor = layout.isRowMajorOrder ? buffer : {
                    let b = Buffer(count: count)
                    copyStrided(layout, buffer.pointer, .rowMajor(shape), b.pointer)
                    return b
                }()
                copyStrided(.rowMajor(target), rowMajor.pointer, to, out.buffer.pointer)
            }
        }
        let old = shape
        return out.recording("reshape", [self]) { g in [g.reshaped(to: old)] }
    }

    /// Flattens dims from `start` on into one.
    public func flattened(from start: Int = 1) -> Tensor {
        reshaped(to: Array(shape[..<start]) + [shape[start...].reduce(1, *)])
    }

    /// Removes size-1 dims (or just `axis`).
    public func squeezed(axis: Int? = nil) -> Tensor {
        if let axis {
            let a = axis < 0 ? axis + rank : axis
            require(shape[a] == 1, "[squeeze] axis \(axis) of shape \(shape) is not 1")
            var s = shape; s.remove(at: a)
            return reshaped(to: s)
        }
        return reshaped(to: shape.filter { $0 != 1 })
    }

    /// Inserts a size-1 dim at `axis`.
    public func unsqueezed(axis: Int) -> Tensor {
        var s = shape
        s.insert(1, at: axis < 0 ? axis + rank + 1 : axis)
        return reshaped(to: s)
    }

    /// Reorders dims: result dim i is input dim `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        require(order.sorted() == Array(0..<rank), "[permute] order \(order) is not a permutation of 0..<\(rank) for shape \(shape)")
        let l = layout
        let view = Layout(dims: order.map { l.dims[$0] }, strides: order.map { l.strides[$0] })
        let out = Tensor(uninitialized: view.dims)
        copyStrided(view, buffer.pointer, out.layout, out.buffer.pointer)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return out.recording("permute", [self]) { g in [g.permuted(inverse)] }
    }

    /// Swaps two dims.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(a < 0 ? a + rank : a, b < 0 ? b + rank : b)
        return permuted(order)
    }

    /// Elements `range` along `axis`.
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = axis < 0 ? axis + rank : axis
        require(a >= 0 && a < rank, "[slice] axis \(axis) out of range for shape \(shape)")
        require(range.lowerBound >= 0 && range.upperBound <= shape[a], "[slice] range \(range) out of bounds for axis \(a) of shape \(shape)")
        var dims = shape; dims[a] = range.count
        let l = layout
        let out = Tensor(uninitialized: dims)
        copyStrided(Layout(dims: dims, strides: l.strides), buffer.pointer + range.lowerBound * l.strides[a], out.layout, out.buffer.pointer)
        let full = shape
        return out.recording("slice", [self]) { g in
            let dx = Tensor.zeros(full)
            let dl = dx.layout
            copyStrided(g.layout, g.buffer.pointer, Layout(dims: dims, strides: dl.strides), dx.buffer.pointer + range.lowerBound * dl.strides[a])
            return [dx]
        }
    }

    /// Joins tensors along `axis`; all other dims must agree.
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        require(!parts.isEmpty, "[concat] no tensors")
        let r = parts[0].rank
        let a = axis < 0 ? axis + r : axis
        for p in parts {
            require(p.rank == r && zip(p.shape, parts[0].shape).enumerated().allSatisfy { $0.offset == a || $0.element.0 == $0.element.1 },
                         "[concat] shapes \(parts[0].shape) and \(p.shape) differ outside axis \(a)")
        }
        var dims = parts[0].shape
        dims[a] = parts.reduce(0) { $0 + $1.shape[a] }
        let out = Tensor(uninitialized: dims)
        let ol = out.layout
        var offset = 0
        var ranges: [Range<Int>] = []
        for p in parts {
            copyStrided(p.layout, p.buffer.pointer, Layout(dims: p.shape, strides: ol.strides), out.buffer.pointer + offset * ol.strides[a])
            ranges.append(offset..<(offset + p.shape[a]))
            offset += p.shape[a]
        }
        return out.recording("concat", parts) { g in ranges.map { g.sliced(axis: a, $0) } }
    }

    /// Splits along `axis` into pieces of the given sizes.
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let a = axis < 0 ? axis + rank : axis
        require(sizes.reduce(0, +) == shape[a], "[split] sizes \(sizes) do not add up to \(shape[a]) (axis \(a) of \(shape))")
        var start = 0
        return sizes.map { n in defer { start += n }; return sliced(axis: a, start..<(start + n)) }
    }

    /// Splits along `axis` into `n` equal pieces.
    public func chunked(_ n: Int, axis: Int) -> [Tensor] {
        let a = axis < 0 ? axis + rank : axis
        require(shape[a] % n == 0, "[chunk] axis \(a) of \(shape) is not divisible by \(n)")
        return split(sizes: [Int](repeating: shape[a] / n, count: n), axis: a)
    }

    /// ShuffleNet's channel shuffle of `[N, C, H, W]`: channels viewed as `[groups, C/groups]`, transposed.
    public func channelShuffled(groups: Int) -> Tensor {
        require(rank == 4 && shape[1] % groups == 0, "[channel_shuffle] shape \(shape) with \(groups) groups")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        return reshaped(to: [n, groups, c / groups, h, w]).transposed(1, 2).reshaped(to: [n, c, h, w])
    }
}
