import Foundation

/// The JSON header of a safetensors file: where each tensor's bytes lie, plus free-form metadata.
///
/// Layout of a file: 8 bytes (little-endian UInt64) giving the header length n, n bytes of JSON
/// (padded with spaces to a multiple of 8 so that the data section starts aligned), then the data
/// section, which the tensors tile exactly, each at `data_offsets` relative to its start.
struct SafetensorsHeader {
    /// One tensor's place in the data section.
    struct Slot {
        var name: String
        var dtype: SafetensorsDType
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    /// The tensors, ordered by position in the data section.
    var slots: [Slot]
    var metadata: [String: String]

    static let metadataKey = "__metadata__"

    /// Bytes taken by the length prefix.
    static let prefixSize = 8

    // MARK: Reading

    /// Parses and validates the header at the start of `file` (the whole file's bytes).
    /// - Returns: the header and the offset at which the data section starts.
    static func parse(_ file: [UInt8], source: String) throws(CheckpointError) -> (header: SafetensorsHeader, dataStart: Int) {
        guard file.count >= prefixSize else { throw .truncated(file: source, size: file.count) }
        let length = decodeLittleEndian(file[0..<prefixSize], as: UInt64.self)[0]
        guard length <= UInt64(file.count - prefixSize) else {
            throw .headerBeyondFile(file: source, headerLength: length, fileSize: file.count)
        }
        let dataStart = prefixSize + Int(length)
        let raw = try decodeJSON(Array(file[prefixSize..<dataStart]), source: source)
        let dataSize = file.count - dataStart

        var slots: [Slot] = []
        for (name, entry) in raw.entries {
            slots.append(try validate(entry, name: name, dataSize: dataSize, source: source))
        }
        slots.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        try checkTiling(slots, dataSize: dataSize, source: source)
        return (SafetensorsHeader(slots: slots, metadata: raw.metadata), dataStart)
    }

    /// One tensor entry as the JSON spells it, before validation.
    private struct RawEntry: Decodable {
        var dtype: String
        var shape: [Integer]
        var dataOffsets: [Integer]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    /// A JSON integer. Decoding `Int` directly reports a fractional or oversized number as corrupt
    /// data with no position (swift-corelibs-foundation), so this says which value is wrong.
    private struct Integer: Decodable, CustomStringConvertible {
        var value: Int

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int.self) {
                self.value = value
                return
            }
            if let number = try? container.decode(Double.self) {
                throw DecodingError.typeMismatch(Int.self, .init(codingPath: decoder.codingPath, debugDescription: "expected an integer, found \(number)"))
            }
            value = try container.decode(Int.self) // not a number at all: rethrows the decoder's own message
        }

        var description: String { "\(value)" }
    }

    /// The whole header object: `__metadata__` plus one entry per tensor, under dynamic keys.
    private struct RawHeader: Decodable {
        var metadata: [String: String] = [:]
        var entries: [(String, RawEntry)] = []

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys {
                if key.stringValue == SafetensorsHeader.metadataKey {
                    metadata = try container.decode([String: String].self, forKey: key)
                } else {
                    entries.append((key.stringValue, try container.decode(RawEntry.self, forKey: key)))
                }
            }
        }
    }

    private static func decodeJSON(_ bytes: [UInt8], source: String) throws(CheckpointError) -> RawHeader {
        do {
            return try JSONDecoder().decode(RawHeader.self, from: Data(bytes))
        } catch let error as DecodingError {
            // Name the tensor (the first key of the failing path) when the error lies inside one.
            let (path, reason) = describe(error)
            if let tensor = path.first, tensor != metadataKey {
                let field = path.dropFirst().reduce("") { $0.isEmpty || $1.hasPrefix("[") ? $0 + $1 : $0 + "." + $1 }
                throw .badEntry(file: source, tensor: tensor, reason: (field.isEmpty ? "" : "field '\(field)': ") + reason)
            }
            let place = path.isEmpty ? "" : " at \(path.joined(separator: "."))"
            throw .badHeader(file: source, reason: "invalid JSON\(place): \(reason)")
        } catch {
            throw .badHeader(file: source, reason: "\(error)")
        }
    }

    /// The coding path and the decoder's own explanation of a decoding error.
    private static func describe(_ error: DecodingError) -> (path: [String], reason: String) {
        func keys(_ context: DecodingError.Context) -> [String] {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        }
        switch error {
        case let .typeMismatch(_, context):
            return (keys(context), context.debugDescription)
        case let .valueNotFound(type, context):
            return (keys(context), "missing \(type) value: \(context.debugDescription)")
        case let .keyNotFound(key, context):
            return (keys(context), "missing field '\(key.stringValue)'")
        case let .dataCorrupted(context):
            // The underlying JSON parser error carries the position of the bad character.
            let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return (keys(context), detail ?? context.debugDescription)
        @unknown default:
            return ([], "\(error)")
        }
    }

    private static func validate(_ raw: RawEntry, name: String, dataSize: Int, source: String) throws(CheckpointError) -> Slot {
        let entry = (dtype: raw.dtype, shape: raw.shape.map(\.value), dataOffsets: raw.dataOffsets.map(\.value))
        guard let dtype = SafetensorsDType(rawValue: entry.dtype) else {
            throw .unknownDType(file: source, tensor: name, dtype: entry.dtype)
        }
        guard entry.shape.allSatisfy({ $0 >= 0 }) else {
            throw .badEntry(file: source, tensor: name, reason: "negative dimension in shape \(entry.shape)")
        }
        guard entry.dataOffsets.count == 2 else {
            throw .badEntry(file: source, tensor: name, reason: "data_offsets must be [begin, end], found \(entry.dataOffsets)")
        }
        let (begin, end) = (entry.dataOffsets[0], entry.dataOffsets[1])
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw .offsetsOutOfRange(file: source, tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        // Computed with overflow checks: a hostile shape must not wrap around to a small size.
        var expected = dtype.size
        for dimension in entry.shape {
            let (product, overflow) = expected.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw .badEntry(file: source, tensor: name, reason: "shape \(entry.shape) is too large")
            }
            expected = product
        }
        guard expected == end - begin else {
            throw .sizeMismatch(file: source, tensor: name, dtype: dtype, shape: entry.shape,
                                expectedBytes: expected, foundBytes: end - begin)
        }
        return Slot(name: name, dtype: dtype, shape: entry.shape, begin: begin, end: end)
    }

    /// Checks that `slots` (sorted by begin) cover the data section exactly once, as the
    /// reference reader demands; a hole or tail usually means a damaged or hand-edited file.
    private static func checkTiling(_ slots: [Slot], dataSize: Int, source: String) throws(CheckpointError) {
        var covered = 0
        var previous: String?
        for slot in slots {
            if slot.begin < covered, let previous {
                throw .overlapping(file: source, tensor: slot.name, other: previous)
            }
            if slot.begin > covered {
                throw .unclaimedBytes(file: source, tensor: slot.name, begin: covered, end: slot.begin)
            }
            covered = slot.end
            previous = slot.name
        }
        if covered < dataSize {
            throw .unclaimedBytes(file: source, tensor: nil, begin: covered, end: dataSize)
        }
    }

    // MARK: Writing

    /// The header bytes (length prefix, JSON, space padding) for `slots` in their order.
    /// Compact JSON with `__metadata__` first (omitted when empty), as the reference writer does.
    func encoded() -> [UInt8] {
        var members: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            members.append("\(jsonString(Self.metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        for slot in slots {
            let shape = slot.shape.map(String.init).joined(separator: ",")
            members.append("\(jsonString(slot.name)):{\"dtype\":\"\(slot.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(slot.begin),\(slot.end)]}")
        }
        var json = Array("{\(members.joined(separator: ","))}".utf8)
        json += [UInt8](repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8)
        return encodeLittleEndian([UInt64(json.count)]) + json
    }
}

/// `text` as a JSON string literal, escaped exactly as serde_json (the reference writer) does:
/// quote, backslash and control characters only; everything else stays raw UTF-8.
package func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case let c where c.value < 0x20:
            let hex = String(c.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
