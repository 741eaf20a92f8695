import Foundation

/// Why a checkpoint could not be read, written or matched to a model.
///
/// Every case names the file (as given by the caller, usually a path) and, where one is involved,
/// the tensor, together with what was expected and what was found, so that a message alone is
/// enough to find the broken file or the mismatched layer.
public enum CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is shorter than the 8-byte header length that starts every safetensors file.
    case truncated(file: String, size: Int)
    /// The header length read from the first 8 bytes runs past the end of the file.
    case headerBeyondFile(file: String, headerLength: UInt64, fileSize: Int)
    /// The header is not a JSON object of the safetensors shape; `reason` says what is wrong.
    case badHeader(file: String, reason: String)
    /// A tensor's header entry is malformed (a missing or mistyped field, a negative dimension).
    case badEntry(file: String, tensor: String, reason: String)
    /// A tensor's dtype is not one this reader knows.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// A tensor's `data_offsets` are reversed or reach past the data section.
    case offsetsOutOfRange(file: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// Two tensors claim the same bytes.
    case overlapping(file: String, tensor: String, other: String)
    /// The tensors do not tile the data section: bytes before `tensor` (or, with `tensor` nil,
    /// after the last tensor) belong to nobody, which the reference reader also rejects.
    case unclaimedBytes(file: String, tensor: String?, begin: Int, end: Int)
    /// A tensor's byte count differs from its shape times its dtype's element size.
    case sizeMismatch(file: String, tensor: String, dtype: SafetensorsDType, shape: [Int], expectedBytes: Int, foundBytes: Int)
    /// The file has no tensor of this name.
    case missingTensor(file: String, tensor: String)
    /// The tensor is stored in a dtype that cannot be read as what was asked for.
    case wrongDType(file: String, tensor: String, dtype: SafetensorsDType, expected: String)
    /// An integer value does not fit the requested type (a U64 above `Int64.max`).
    case integerOverflow(file: String, tensor: String, value: String)
    /// A loaded tensor's shape differs from the one the model needs.
    case shapeMismatch(file: String?, tensor: String, checkpoint: [Int], expected: [Int])
    /// The operating system refused an operation on the file.
    case io(file: String, operation: String, reason: String)
    /// The data section does not match the checksum recorded in the metadata (a corrupted file).
    case checksumMismatch(file: String, recorded: String, actual: String)
    /// A tensor holds NaN or infinite values (`count` of them; the first at flat `index`).
    case nonFinite(file: String, tensor: String, count: Int, index: Int, value: Float)

    public var description: String {
        switch self {
        case let .checksumMismatch(file, recorded, actual):
            return "\(file): data section checksum is \(actual) but the file records \(recorded): the file is corrupted"
        case let .nonFinite(file, tensor, count, index, value):
            return "\(file): tensor '\(tensor)' holds \(count) non-finite value(s), the first \(value) at element \(index): refusing to load it"
        case let .truncated(file, size):
            return "\(file): file has \(size) bytes, fewer than the 8-byte header length of a safetensors file"
        case let .headerBeyondFile(file, headerLength, fileSize):
            return "\(file): header length \(headerLength) runs past the end of the file (\(fileSize) bytes, so at most \(max(fileSize - 8, 0)) header bytes)"
        case let .badHeader(file, reason):
            return "\(file): bad safetensors header: \(reason)"
        case let .badEntry(file, tensor, reason):
            return "\(file): tensor '\(tensor)': \(reason)"
        case let .unknownDType(file, tensor, dtype):
            let known = SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(file): tensor '\(tensor)' has unknown dtype '\(dtype)' (known: \(known))"
        case let .offsetsOutOfRange(file, tensor, begin, end, dataSize):
            return "\(file): tensor '\(tensor)' data_offsets [\(begin), \(end)] are outside the data section of \(dataSize) bytes"
                + (end > dataSize ? " (file truncated?)" : "")
        case let .overlapping(file, tensor, other):
            return "\(file): tensors '\(other)' and '\(tensor)' overlap in the data section"
        case let .unclaimedBytes(file, tensor, begin, end):
            let place = tensor.map { "before tensor '\($0)'" } ?? "after the last tensor"
            return "\(file): data bytes [\(begin), \(end)) \(place) belong to no tensor"
        case let .sizeMismatch(file, tensor, dtype, shape, expectedBytes, foundBytes):
            return "\(file): tensor '\(tensor)' of shape \(shape) and dtype \(dtype.rawValue) needs \(expectedBytes) bytes, data_offsets span \(foundBytes)"
        case let .missingTensor(file, tensor):
            return "\(file): no tensor '\(tensor)'"
        case let .wrongDType(file, tensor, dtype, expected):
            return "\(file): tensor '\(tensor)' is \(dtype.rawValue), expected \(expected)"
        case let .integerOverflow(file, tensor, value):
            return "\(file): tensor '\(tensor)' holds \(value), which does not fit in Int64"
        case let .shapeMismatch(file, tensor, checkpoint, expected):
            return (file.map { "\($0): " } ?? "") + "\(tensor): checkpoint has \(checkpoint), model expects \(expected)"
        case let .io(file, operation, reason):
            return "\(file): \(operation) failed: \(reason)"
        }
    }
}

extension CheckpointError: LocalizedError {
    public var errorDescription: String? { description }
}
