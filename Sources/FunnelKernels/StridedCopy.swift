import CDNNL

/// Copies between two layouts of the same dims (a permutation of memory order) with oneDNN's reorder.
package func copyStrided(_ from: Layout, _ src: UnsafePointer<Float>, _ to: Layout, _ dst: UnsafeMutablePointer<Float>) {
    require(from.dims == to.dims, "copyStrided: dims \(from.dims) vs \(to.dims)")
    if from.strides == to.strides {
        dst.update(from: src, count: from.dims.reduce(1, *))
        return
    }
    reorder(from.md, src, to.md, dst, key: from, to)
}
