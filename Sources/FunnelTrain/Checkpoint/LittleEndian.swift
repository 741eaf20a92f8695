/// Conversion between arrays of fixed-width values and the little-endian bytes that safetensors
/// stores. On little-endian hosts (every platform Funnel runs on) both are plain memory copies,
/// which matters for checkpoints of tens of millions of values.

/// Decodes `bytes` (a whole number of `T`s) as little-endian values.
func decodeLittleEndian<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, as _: T.Type = T.self) -> [T] {
    let count = bytes.count / MemoryLayout<T>.size
    let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        bytes.withUnsafeBytes { raw in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw.prefix(count * MemoryLayout<T>.size)))
        }
        initialized = count
    }
    #if _endian(big)
    return values.map { T(littleEndian: $0) }
    #else
    return values
    #endif
}

/// Encodes `values` as little-endian bytes.
func encodeLittleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    #if _endian(big)
    return values.map(\.littleEndian).withUnsafeBytes { Array($0) }
    #else
    return values.withUnsafeBytes { Array($0) }
    #endif
}
