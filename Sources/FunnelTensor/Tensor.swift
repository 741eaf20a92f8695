import Foundation
import FunnelKernels

/// A float32 tensor with PyTorch's NCHW shape convention and reverse-mode autograd.
///
/// Memory layout: 4-D tensors are stored channels-last (`N, H, W, C` in memory) because oneDNN's
/// fast convolutions want that; every other rank is row-major. Shapes, indices and `scalars` are
/// always in logical (NCHW, row-major) order, so the layout never shows in the public API.
/// Tensors are immutable values to the ops; only optimizers write into parameter buffers.
public final class Tensor: @unchecked Sendable {
    /// Logical shape, e.g. `[N, C, H, W]`.
    public let shape: [Int]
    /// The storage, `count` floats in physical order. A `var` only so that backward can tell when
    /// nothing else holds it (`isKnownUniquelyReferenced`) and add a gradient into it in place.
    @exclusivity(unchecked) public internal(set) var buffer: Buffer
    /// Whether gradients flow to this tensor. Set on parameters; ops propagate it.
    public var requiresGrad: Bool
    /// Accumulated gradient, filled by `backward()` on leaves that require grad.
    public var grad: Tensor?
    /// The op that produced this tensor while recording, `nil` for leaves.
    var node: Node?
    /// Σ over the positions of each sample's channels, `[N, C]`, when the op that made this 4-D
    /// tensor took them as it wrote it (DY-ReLU's output pass): a residual block's end pools its
    /// residual from them instead of reading the whole map again. Ops never write into a tensor
    /// that another op made, and `assign` takes the sums of what it copies (nil for most), so they
    /// stay true for as long as the tensor lives.
    var sampleChannelSums: [Double]?

    /// Wraps a buffer holding `shape.product` floats in this tensor's physical layout.
    public init(shape: [Int], buffer: Buffer, requiresGrad: Bool = false) {
        require(buffer.count >= shape.reduce(1, *), "[Tensor] buffer of \(buffer.count) floats for shape \(shape)")
        self.shape = shape
        self.buffer = buffer
        self.requiresGrad = requiresGrad
    }

    /// An uninitialised tensor (for ops that overwrite every element).
    public convenience init(uninitialized shape: [Int]) {
        self.init(shape: shape, buffer: Buffer(count: shape.reduce(1, *)))
    }

    /// A tensor from values in logical (row-major NCHW) order.
    public convenience init(shape: [Int], scalars: [Float], requiresGrad: Bool = false) {
        let n = shape.reduce(1, *)
        require(scalars.count == n, "[Tensor] \(scalars.count) values for shape \(shape) (\(n) elements)")
        self.init(uninitialized: shape)
        self.requiresGrad = requiresGrad
        scalars.withUnsafeBufferPointer { src in
            copyStrided(.rowMajor(shape), src.baseAddress!, layout, buffer.pointer)
        }
    }

    /// A 0-d tensor holding one value.
    public convenience init(_ value: Float) {
        self.init(shape: [], scalars: [value])
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// The physical layout: channels-last for rank 4, row-major otherwise.
    public var layout: Layout { Tensor.layout(for: shape) }

    public static func layout(for shape: [Int]) -> Layout {
        shape.count == 4 ? .channelsLast(shape) : .rowMajor(shape)
    }

    /// Values in logical (row-major NCHW) order.
    public var scalars: [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { dst in
            if count > 0 { copyStrided(layout, buffer.pointer, .rowMajor(shape), dst.baseAddress!) }
        }
        return out
    }

    /// The single value of a one-element tensor.
    public var item: Float {
        require(count == 1, "[item] tensor of shape \(shape) has \(count) elements, not 1")
        return buffer.pointer[0]
    }

    /// The value at a logical index.
    public subscript(index: Int...) -> Float {
        require(index.count == rank, "[subscript] \(index.count) indices for shape \(shape)")
        let l = layout
        var offset = 0
        for (i, (v, n)) in zip(index, shape).enumerated() {
            require(v >= 0 && v < n, "[subscript] index \(index) out of range for shape \(shape)")
            offset += v * l.strides[i]
        }
        return buffer.pointer[offset]
    }

    /// This tensor's values without history: shares storage, records nothing.
    public func detached() -> Tensor { Tensor(shape: shape, buffer: buffer) }

    /// A copy with its own storage.
    public func copy() -> Tensor {
        let out = Tensor(uninitialized: shape)
        out.buffer.pointer.update(from: buffer.pointer, count: count)
        return out
    }

    /// Overwrites this tensor's values with `other`'s (same shape). For optimizers and loading.
    public func assign(_ other: Tensor) {
        require(other.shape == shape, "[assign] shape \(other.shape) into \(shape)")
        buffer.pointer.update(from: other.buffer.pointer, count: count)
        sampleChannelSums = other.sampleChannelSums
    }

    /// Sets `grad` to nil.
    public func zeroGrad() { grad = nil }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(\(shape), [\(values)\(count > 8 ? ", ..." : "")])"
    }
}

