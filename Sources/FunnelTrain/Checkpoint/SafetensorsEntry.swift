import FunnelTensor

/// One tensor as a safetensors file stores it: dtype, shape, and raw little-endian row-major bytes.
///
/// Entries of any dtype round-trip unchanged through `SafetensorsFile`; the typed initialisers
/// cover what Funnel writes (float32 tensors, int64 counters and labels, bytes, booleans).
public struct SafetensorsEntry: Equatable, Sendable {
    /// The element type.
    public var dtype: SafetensorsDType
    /// The shape in PyTorch order (conv weights OIHW); `[]` for a scalar.
    public var shape: [Int]
    /// The elements in row-major order, each `dtype.size` little-endian bytes.
    public var bytes: [UInt8]

    /// An entry from raw bytes, which must hold exactly `shape`'s element count times `dtype.size`.
    public init(dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) {
        let elements = shape.reduce(1, *)
        precondition(bytes.count == elements * dtype.size,
                     "[SafetensorsEntry] \(bytes.count) bytes for \(dtype.rawValue) of shape \(shape) (\(elements * dtype.size) needed)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A float32 entry holding `tensor`'s values in logical (NCHW, row-major) order.
    public init(_ tensor: Tensor) {
        self.init(dtype: .f32, shape: tensor.shape, bytes: encodeLittleEndian(tensor.scalars.map(\.bitPattern)))
    }

    /// An int64 entry, e.g. BatchNorm's `num_batches_tracked` (shape `[]`) or labels.
    public init(int64 values: [Int64], shape: [Int]) {
        self.init(dtype: .i64, shape: shape, bytes: encodeLittleEndian(values))
    }

    /// An int32 entry.
    public init(int32 values: [Int32], shape: [Int]) {
        self.init(dtype: .i32, shape: shape, bytes: encodeLittleEndian(values))
    }

    /// A uint8 entry, e.g. raw images.
    public init(uint8 values: [UInt8], shape: [Int]) {
        self.init(dtype: .u8, shape: shape, bytes: values)
    }

    /// A boolean entry, one byte per value (0 or 1) as the format stores them.
    public init(bools values: [Bool], shape: [Int]) {
        self.init(dtype: .bool, shape: shape, bytes: values.map { $0 ? 1 : 0 })
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The values widened to `Float`, or nil when the dtype is not floating point.
    /// F64 values are rounded to nearest; F16 and BF16 widen exactly.
    var floats: [Float]? {
        let all = bytes[...]
        switch dtype {
        case .f32: return decodeLittleEndian(all, as: UInt32.self).map(Float.init(bitPattern:))
        case .f64: return decodeLittleEndian(all, as: UInt64.self).map { Float(Double(bitPattern: $0)) }
        case .f16: return decodeLittleEndian(all, as: UInt16.self).map(floatFromHalf)
        case .bf16: return decodeLittleEndian(all, as: UInt16.self).map(floatFromBFloat16)
        default: return nil
        }
    }

    /// What reading the values as `Int64` gives.
    enum IntegerValues {
        case values([Int64])
        /// The dtype is floating point.
        case notInteger
        /// A U64 value above `Int64.max`, which would wrap.
        case overflow(UInt64)
    }

    /// The values as `Int64`.
    var integers: IntegerValues {
        let all = bytes[...]
        switch dtype {
        case .bool, .u8: return .values(all.map { Int64($0) })
        case .i8: return .values(all.map { Int64(Int8(bitPattern: $0)) })
        case .i16: return .values(decodeLittleEndian(all, as: Int16.self).map(Int64.init))
        case .u16: return .values(decodeLittleEndian(all, as: UInt16.self).map(Int64.init))
        case .i32: return .values(decodeLittleEndian(all, as: Int32.self).map(Int64.init))
        case .u32: return .values(decodeLittleEndian(all, as: UInt32.self).map(Int64.init))
        case .i64: return .values(decodeLittleEndian(all, as: Int64.self))
        case .u64:
            let values = decodeLittleEndian(all, as: UInt64.self)
            if let big = values.first(where: { $0 > UInt64(Int64.max) }) { return .overflow(big) }
            return .values(values.map { Int64($0) })
        case .f16, .bf16, .f32, .f64: return .notInteger
        }
    }
}
