/// Protocol Buffers' wire format, written by hand for the few messages Funnel emits (TensorBoard
/// events, ONNX models): a dependency on a protobuf runtime and generated code would be larger
/// than the encoder. Fields are written in the order the caller writes them; a message's field
/// numbers come from its `.proto` file, cited where the message is built.
public struct ProtobufWriter {
    /// The encoded message so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// The wire types of `tag = field << 3 | wire type`.
    enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func tag(_ field: Int, _ wire: WireType) {
        varint(UInt64(field) << 3 | wire.rawValue)
    }

    /// An `int64`, `int32` or enum field (negative values take ten bytes, as protobuf specifies).
    public mutating func int(_ field: Int, _ value: Int64) {
        tag(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    public mutating func int(_ field: Int, _ value: Int) { int(field, Int64(value)) }

    public mutating func bool(_ field: Int, _ value: Bool) { int(field, value ? 1 : 0) }

    public mutating func double(_ field: Int, _ value: Double) {
        tag(field, .fixed64)
        append(littleEndian: value.bitPattern)
    }

    public mutating func float(_ field: Int, _ value: Float) {
        tag(field, .fixed32)
        append(littleEndian: value.bitPattern)
    }

    public mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    public mutating func bytes(_ field: Int, _ value: [UInt8]) {
        tag(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes += value
    }

    /// A nested message, built by `body` on a writer of its own.
    public mutating func message(_ field: Int, _ body: (inout ProtobufWriter) throws -> Void) rethrows {
        var nested = ProtobufWriter()
        try body(&nested)
        bytes(field, nested.bytes)
    }

    /// A packed `repeated double`.
    public mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        var packed = ProtobufWriter()
        for v in values { packed.append(littleEndian: v.bitPattern) }
        bytes(field, packed.bytes)
    }

    /// A packed `repeated float`.
    public mutating func packedFloats(_ field: Int, _ values: [Float]) {
        var packed = ProtobufWriter()
        packed.bytes.reserveCapacity(values.count * 4)
        for v in values { packed.append(littleEndian: v.bitPattern) }
        bytes(field, packed.bytes)
    }

    /// A packed `repeated int64` (or int32).
    public mutating func packedInts(_ field: Int, _ values: [Int64]) {
        var packed = ProtobufWriter()
        for v in values { packed.varint(UInt64(bitPattern: v)) }
        bytes(field, packed.bytes)
    }

    mutating func append<T: FixedWidthInteger>(littleEndian value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}
