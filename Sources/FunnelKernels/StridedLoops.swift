/// The loop nest of a pass over strided tensors: the walked tensor's dims in memory order
/// (outermost first, size-1 dims dropped), each with the strides of two operands `a` and `b` (0
/// where `b` has size 1: broadcast in a binary op, reduced in a reduction), and adjacent dims merged
/// where every tensor walks them as one (channels-last H and W: one loop of H * W positions).
/// `StridedBinary` walks its destination; `StridedReduction` its source.
struct StridedLoops {
    struct Dim { var count: Int, a: Int, b: Int, dst: Int }
    private(set) var dims: [Dim] = []
    /// Elements walked.
    let count: Int

    init(a: Layout, b: Layout, dst: Layout) {
        count = dst.dims.reduce(1, *)
        let order = dst.dims.indices.filter { dst.dims[$0] > 1 }.sorted { dst.strides[$0] > dst.strides[$1] }
        for i in order.reversed() {
            let d = Dim(count: dst.dims[i], a: a.strides[i], b: b.dims[i] == 1 ? 0 : b.strides[i], dst: dst.strides[i])
            if let inner = dims.first, d.dst == inner.dst * inner.count, d.a == inner.a * inner.count, d.b == inner.b * inner.count {
                dims[0].count *= d.count
            } else {
                dims.insert(d, at: 0)
            }
        }
    }
}
