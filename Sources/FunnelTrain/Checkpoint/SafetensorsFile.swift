import CCodecs
import Foundation
import FunnelTensor

/// A safetensors file in memory: named tensors plus string metadata.
///
/// Reading validates the whole header (see `CheckpointError` for what is rejected); writing is
/// deterministic and byte-identical to the reference implementation's writer for the same
/// contents, so the same state gives the same file and files diff cleanly.
///
/// ```swift
/// var file = SafetensorsFile(tensors: ["linear.weight": w], metadata: ["format": "pt"])
/// file.entries["bn1.num_batches_tracked"] = SafetensorsEntry(int64: [391], shape: [])
/// try file.write(to: url)
/// let w2 = try SafetensorsFile(contentsOf: url).tensor("linear.weight", shape: [10, 64])
/// ```
public struct SafetensorsFile: Sendable {
    /// The tensors by name.
    public var entries: [String: SafetensorsEntry]
    /// Free-form string metadata (`__metadata__` in the header).
    public var metadata: [String: String]
    /// Where the contents came from (a path, or a label given by the caller); errors name it.
    public var source: String

    /// A file with the given contents.
    public init(entries: [String: SafetensorsEntry] = [:], metadata: [String: String] = [:], source: String = "<memory>") {
        self.entries = entries
        self.metadata = metadata
        self.source = source
    }

    /// A file holding float32 tensors, e.g. a model's state dict.
    public init(tensors: [String: Tensor], metadata: [String: String] = [:], source: String = "<memory>") {
        self.init(entries: tensors.mapValues(SafetensorsEntry.init), metadata: metadata, source: source)
    }

    /// Reads and validates the file at `url`.
    public init(contentsOf url: URL) throws(CheckpointError) {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw .io(file: url.path, operation: "read", reason: error.localizedDescription)
        }
        try self.init(bytes: bytes, source: url.path)
    }

    /// Parses and validates the bytes of a whole file; `source` names it in errors. A file whose
    /// metadata carries a checksum of its data section (`funnel.data_crc32`, written by Funnel's
    /// checkpoints) must match it; files without one (PyTorch's) are read as they are.
    public init(bytes: [UInt8], source: String = "<memory>") throws(CheckpointError) {
        let (header, dataStart) = try SafetensorsHeader.parse(bytes, source: source)
        if let recorded = header.metadata[Self.checksumKey] {
            let actual = bytes.withUnsafeBufferPointer { Self.crc32($0.baseAddress! + dataStart, count: $0.count - dataStart) }
            guard recorded == Self.hex(actual) else {
                throw .checksumMismatch(file: source, recorded: recorded, actual: Self.hex(actual))
            }
        }
        var entries: [String: SafetensorsEntry] = [:]
        for slot in header.slots {
            let data = Array(bytes[(dataStart + slot.begin)..<(dataStart + slot.end)])
            entries[slot.name] = SafetensorsEntry(dtype: slot.dtype, shape: slot.shape, bytes: data)
        }
        self.init(entries: entries, metadata: header.metadata, source: source)
    }

    /// The metadata key of the data section's CRC-32 (hex), checked when a file is read.
    public static let checksumKey = "funnel.data_crc32"

    /// The same file with a checksum of its data section in the metadata. PyTorch ignores the
    /// metadata, so the file stays loadable there; Funnel verifies it on every read.
    public func withDataChecksum() -> SafetensorsFile {
        var file = self
        file.metadata.removeValue(forKey: Self.checksumKey)
        var data: [UInt8] = []
        for (_, entry) in file.ordered { data += entry.bytes }
        file.metadata[Self.checksumKey] = Self.hex(data.withUnsafeBufferPointer { Self.crc32($0.baseAddress, count: $0.count) })
        return file
    }

    /// Tensors in the order the reference writer lays them out: by descending dtype rank and then
    /// by name, which keeps every tensor aligned to its element size.
    private var ordered: [(key: String, value: SafetensorsEntry)] {
        entries.sorted { ($0.value.dtype.writeRank, $1.key) > ($1.value.dtype.writeRank, $0.key) }
    }

    static func crc32(_ bytes: UnsafePointer<UInt8>?, count: Int) -> UInt32 {
        guard let bytes, count > 0 else { return 0 }
        return UInt32(CCodecs.crc32_z(0, bytes, count))
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// The file's bytes, laid out as the reference writer does (see `ordered`). A checksum in the
    /// metadata is recomputed, so a file read, changed and written describes its new data.
    public func serialized() -> [UInt8] {
        if metadata[Self.checksumKey] != nil { return withDataChecksum().serializedAsIs() }
        return serializedAsIs()
    }

    private func serializedAsIs() -> [UInt8] {
        let ordered = self.ordered
        var slots: [SafetensorsHeader.Slot] = []
        var offset = 0
        for (name, entry) in ordered {
            slots.append(.init(name: name, dtype: entry.dtype, shape: entry.shape, begin: offset, end: offset + entry.bytes.count))
            offset += entry.bytes.count
        }
        var out = SafetensorsHeader(slots: slots, metadata: metadata).encoded()
        out.reserveCapacity(out.count + offset)
        for (_, entry) in ordered { out += entry.bytes }
        return out
    }

    /// Writes the file atomically: readers of `url` see the old file or the whole new one.
    public func write(to url: URL) throws(CheckpointError) {
        try writeAtomically(serialized(), to: url)
    }

    // MARK: Typed access

    /// The entry called `name`.
    public func entry(_ name: String) throws(CheckpointError) -> SafetensorsEntry {
        guard let entry = entries[name] else { throw .missingTensor(file: source, tensor: name) }
        return entry
    }

    /// The floating-point entry `name` as a float32 tensor (F64, F16 and BF16 are converted).
    public func tensor(_ name: String) throws(CheckpointError) -> Tensor {
        let entry = try entry(name)
        guard let values = entry.floats else {
            throw .wrongDType(file: source, tensor: name, dtype: entry.dtype, expected: "a floating-point dtype (F32, F64, F16, BF16)")
        }
        return Tensor(shape: entry.shape, scalars: values)
    }

    /// The entry `name` as a float32 tensor, checked to have `shape`.
    public func tensor(_ name: String, shape: [Int]) throws(CheckpointError) -> Tensor {
        let entry = try entry(name)
        guard entry.shape == shape else {
            throw .shapeMismatch(file: source, tensor: name, checkpoint: entry.shape, expected: shape)
        }
        return try tensor(name)
    }

    /// Every floating-point entry as a float32 tensor, by name; integer entries are left out.
    public func tensors() throws(CheckpointError) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, entry) in entries where entry.dtype.isFloatingPoint {
            out[name] = try tensor(name)
        }
        return out
    }

    /// The integer or boolean entry `name` as `Int64`s in row-major order.
    public func integers(_ name: String) throws(CheckpointError) -> [Int64] {
        let entry = try entry(name)
        switch entry.integers {
        case let .values(values): return values
        case .notInteger:
            throw .wrongDType(file: source, tensor: name, dtype: entry.dtype, expected: "an integer or BOOL dtype")
        case let .overflow(value):
            throw .integerOverflow(file: source, tensor: name, value: String(value))
        }
    }

    /// The single value of a one-element integer entry, e.g. `num_batches_tracked`.
    public func integer(_ name: String) throws(CheckpointError) -> Int64 {
        let values = try integers(name)
        guard values.count == 1 else {
            throw .shapeMismatch(file: source, tensor: name, checkpoint: try entry(name).shape, expected: [])
        }
        return values[0]
    }
}
