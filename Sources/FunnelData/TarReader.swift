/// A streaming reader of tar archives: POSIX ustar, with GNU long names and pax `path`/`size`
/// records, read in one pass from any byte stream (a file, or a gzip stream over one).
///
/// Each call to `next()` returns the next file or folder; its contents can be read with
/// `readContents(into:)` before the following `next()`, which otherwise skips them. Links, devices
/// and other entry types are skipped. Every header's checksum is verified.
struct TarReader {
    /// A file or folder in the archive.
    struct Entry: Equatable {
        enum Kind { case file, directory }
        /// The path inside the archive, without a trailing slash.
        var path: String
        /// Content bytes (0 for folders).
        var size: Int
        var kind: Kind
    }

    private static let block = 512
    private let input: BufferedInput
    private let file: String
    private var header = [UInt8](repeating: 0, count: 512)
    /// Content and padding of the current entry not yet consumed.
    private var pendingContent = 0
    private var pendingPadding = 0
    private var current: Entry?
    private var ended = false

    /// Reads a tar archive from `stream`; `file` names the archive in errors.
    init(_ stream: ByteStream, file: String) {
        input = BufferedInput(stream)
        self.file = file
    }

    /// The next file or folder, or `nil` after the last one.
    mutating func next() throws -> Entry? {
        try skipRest()
        var longPath: String?
        var paxPath: String?
        var paxSize: Int?
        while !ended {
            let headerOffset = input.position
            let got = try header.withUnsafeMutableBytes { try input.read(into: $0.baseAddress!, count: Self.block) }
            // End of data at a block boundary is accepted as the end even without the two zero blocks.
            if got == 0 { ended = true; break }
            if got < Self.block {
                throw DataError(.truncated, file: file, "archive ends inside the tar header at byte \(headerOffset) (\(got) of 512 bytes)")
            }
            let (unsigned, signed) = checksums()
            if unsigned == 0 { ended = true; break } // an all-zero block marks the end
            guard let stored = number(at: 148, length: 8), stored == unsigned || stored == signed else {
                throw DataError(.corrupt, file: file,
                                "not a tar archive, or a damaged one: the tar header at byte \(headerOffset) has checksum field \"\(field(148, 8))\", but its bytes sum to \(unsigned)")
            }
            guard let size = number(at: 124, length: 12) else {
                throw DataError(.corrupt, file: file, "the tar header at byte \(headerOffset) has size field \"\(field(124, 12))\", expected octal digits")
            }
            let type = header[156]
            let name = longPath ?? paxPath ?? headerPath()
            let isMetadata = type == UInt8(ascii: "L") || type == UInt8(ascii: "x")
            pendingContent = isMetadata ? size : paxSize ?? size // a pax size is the next entry's
            pendingPadding = (Self.block - pendingContent % Self.block) % Self.block
            switch type {
            case UInt8(ascii: "L"): // GNU: the content is the next entry's path
                longPath = cString(try readMetadata())
                continue
            case UInt8(ascii: "x"): // pax: records for the next entry
                let records = parsePax(try readMetadata())
                paxPath = records["path"]
                paxSize = records["size"].flatMap { Int($0) }
                continue
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):
                current = Entry(path: trimmed(name), size: pendingContent, kind: .file)
            case UInt8(ascii: "5"):
                current = Entry(path: trimmed(name), size: 0, kind: .directory)
            default: // links, devices, global pax headers: nothing a dataset needs
                try skipRest()
                longPath = nil; paxPath = nil; paxSize = nil
                continue
            }
            return current
        }
        return nil
    }

    /// Appends the current entry's contents to `arena` and returns their range there.
    mutating func readContents(into arena: ByteArena) throws -> Range<Int> {
        let size = pendingContent
        let buffer = arena.reserve(size)
        let got = size == 0 ? 0 : try input.read(into: buffer.baseAddress!, count: size)
        pendingContent = 0
        if got < size {
            throw DataError(.truncated, file: "\(file):\(current?.path ?? "?")",
                            "archive ends inside this entry: expected \(size) bytes, found \(got)")
        }
        return arena.commit(size)
    }

    /// Skips what is left of the current entry's contents and its padding to the next block.
    private mutating func skipRest() throws {
        let n = pendingContent + pendingPadding
        pendingContent = 0
        pendingPadding = 0
        if n > 0, try input.skip(n) < n {
            throw DataError(.truncated, file: "\(file):\(current?.path ?? "?")", "archive ends inside this entry")
        }
    }

    /// Reads a metadata entry's (GNU long name, pax records) contents.
    private mutating func readMetadata() throws -> [UInt8] {
        let size = pendingContent
        guard size < 1 << 20 else {
            throw DataError(.corrupt, file: file, "tar metadata entry of \(size) bytes (expected under 1 MiB)")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        let got = size == 0 ? 0 : try bytes.withUnsafeMutableBytes { try input.read(into: $0.baseAddress!, count: size) }
        if got < size { throw DataError(.truncated, file: file, "archive ends inside a tar metadata entry") }
        pendingContent = 0
        try skipRest()
        return bytes
    }

    /// The header's byte sum with the checksum field counted as spaces, as unsigned and as signed
    /// bytes (some old tar programs wrote the latter).
    ///
    /// The unsigned sum adds 8 bytes at a time in four 16-bit lanes; a byte-at-a-time loop made
    /// this the slowest part of reading an archive in debug builds.
    private func checksums() -> (unsigned: Int, signed: Int) {
        header.withUnsafeBytes { raw in
            var lanes: UInt64 = 0
            for k in 0..<64 {
                let word = raw.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self)
                lanes &+= (word & 0x00FF_00FF_00FF_00FF) &+ ((word >> 8) & 0x00FF_00FF_00FF_00FF)
            }
            var total = Int(lanes & 0xFFFF) + Int((lanes >> 16) & 0xFFFF) + Int((lanes >> 32) & 0xFFFF) + Int(lanes >> 48)
            var checksumField = 0
            for i in 148..<156 { checksumField += Int(raw[i]) }
            total += 8 * 32 - checksumField
            guard total != 8 * 32 || checksumField != 0 else { return (0, 0) }
            var signed = 0
            for i in 0..<512 where !(148..<156).contains(i) { signed += Int(Int8(bitPattern: raw[i])) }
            return (total, signed + 8 * 32)
        }
    }

    /// A numeric field: octal ASCII, or base-256 big-endian when the first byte's top bit is set
    /// (GNU's form for sizes of 8 GiB and more); `nil` if it is neither.
    private func number(at offset: Int, length: Int) -> Int? {
        let bytes = header[offset ..< offset + length]
        if let first = bytes.first, first & 0x80 != 0 {
            return bytes.dropFirst().reduce(Int(first & 0x7F)) { $0 << 8 | Int($1) }
        }
        var value = 0
        var seenDigit = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                value = value * 8 + Int(byte - UInt8(ascii: "0"))
                seenDigit = true
            case UInt8(ascii: " ") where !seenDigit:
                continue
            case 0, UInt8(ascii: " "):
                return value
            default:
                return nil
            }
        }
        return value
    }

    /// A header field as text, for messages.
    private func field(_ offset: Int, _ length: Int) -> String {
        String(decoding: header[offset ..< offset + length].map { $0 >= 32 && $0 < 127 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }

    /// `prefix/name` of a ustar header, or just `name` for older formats.
    private func headerPath() -> String {
        let name = cString(header[0..<100])
        let isUstar = header[257..<262].elementsEqual("ustar".utf8)
        let prefix = isUstar && header[345] != 0 ? cString(header[345..<500]) : ""
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    private func cString<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    private func trimmed(_ path: String) -> String {
        var p = Substring(path)
        while p.hasPrefix("./") { p = p.dropFirst(2) }
        while p.hasSuffix("/") { p = p.dropLast() }
        return String(p)
    }

    /// pax extended header records: `"<length> <key>=<value>\n"` each.
    private func parsePax(_ bytes: [UInt8]) -> [String: String] {
        var records: [String: String] = [:]
        var i = 0
        while i < bytes.count {
            guard let space = bytes[i...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: bytes[i..<space], as: UTF8.self)), length > 0,
                  i + length <= bytes.count else { break }
            let record = bytes[(space + 1) ..< (i + length - 1)] // drop the trailing newline
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                records[String(decoding: record[..<equals], as: UTF8.self)] = String(decoding: record[(equals + 1)...], as: UTF8.self)
            }
            i += length
        }
        return records
    }
}

/// Buffered reads from a byte stream, copying large reads straight into the caller's memory.
private final class BufferedInput {
    private let stream: ByteStream
    private let buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// Bytes consumed so far (the archive offset).
    private(set) var position = 0

    init(_ stream: ByteStream, capacity: Int = 1 << 20) {
        self.stream = stream
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Copies up to `count` bytes to `destination`; fewer only at the end of the stream.
    func read(into destination: UnsafeMutableRawPointer, count: Int) throws -> Int {
        var done = 0
        while done < count {
            if start == end {
                if count - done >= buffer.count { // large: bypass the buffer
                    let n = try stream.read(into: UnsafeMutableRawBufferPointer(start: destination + done, count: count - done))
                    if n == 0 { break }
                    done += n
                    continue
                }
                if try !refill() { break }
            }
            let n = min(end - start, count - done)
            (destination + done).copyMemory(from: buffer.baseAddress! + start, byteCount: n)
            start += n
            done += n
        }
        position += done
        return done
    }

    /// Discards up to `count` bytes; returns how many there were.
    func skip(_ count: Int) throws -> Int {
        var done = 0
        while done < count {
            if start == end, try !refill() { break }
            let n = min(end - start, count - done)
            start += n
            done += n
        }
        position += done
        return done
    }

    private func refill() throws -> Bool {
        start = 0
        end = try stream.read(into: buffer)
        return end > 0
    }
}
