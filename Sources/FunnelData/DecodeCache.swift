import CCodecs
import Foundation

/// Where decoded images are cached.
public enum CacheLocation: Sendable, Equatable {
    /// Never read or write a cache.
    case disabled
    /// `<source>.funnel-cache` beside the source when its folder is writable, otherwise in the
    /// user's cache folder (`$XDG_CACHE_HOME/funnel`, or `~/.cache/funnel`).
    case automatic
    /// In this folder (created if needed), named after the source.
    case directory(String)
}

/// What happened with the decode cache during a load.
public enum CacheStatus: Sendable, Equatable {
    /// Caching was off, or the source is not one that is cached.
    case disabled
    /// The images came from the cache at this path.
    case hit(String)
    /// There was no cache; one was written at this path.
    case written(String)
    /// The cache at this path was stale or damaged (the reason says how) and was written anew.
    case rebuilt(String, reason: String)
    /// The images were decoded but the cache at this path could not be written.
    case notWritten(String, reason: String)
}

/// A file of decoded images, so a source's JPEGs and PNGs are decoded once, not on every run.
///
/// Layout (integers little-endian): a 32-byte prefix (`FUNNELDC`, format version, header length,
/// header CRC-32, payload CRC-32, payload length), a JSON header (the source's path, fingerprint,
/// format and container, then each split's name, classes, image size and count), then the payload: for each
/// split its labels (Int32), coarse labels (Int32, if any) and pixels (uint8, HWC).
/// A cache is used only if every check passes: sizes, both CRCs, version and the source's current
/// fingerprint; otherwise it is rebuilt. Writes are atomic (temporary file, then rename).
struct DecodeCache {
    static let magic = Array("FUNNELDC".utf8)
    static let version: UInt32 = 1
    static let fileExtension = "funnel-cache"

    /// The cache file.
    let path: String
    /// The source, as an absolute path, and what identifies its current contents.
    let source: String
    let fingerprint: String

    /// The cache for `source` (whose contents `fingerprint` identifies) under `location`;
    /// `nil` when caching is disabled.
    init?(source: String, fingerprint: String, location: CacheLocation) {
        let absolute = URL(fileURLWithPath: source).standardizedFileURL.path
        let base = URL(fileURLWithPath: absolute).lastPathComponent
        let parent = (absolute as NSString).deletingLastPathComponent
        let folder: String
        switch location {
        case .disabled:
            return nil
        case .directory(let directory):
            folder = directory
        case .automatic:
            if Self.acceptsNewFiles(parent) {
                folder = parent
            } else {
                let environment = ProcessInfo.processInfo.environment
                let cacheHome = environment["XDG_CACHE_HOME"] ?? ((environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache")
                folder = cacheHome + "/funnel"
            }
        }
        // In a shared folder, sources with one base name (two `train.tar`s) need distinct caches.
        let name = folder == parent
            ? "\(base).\(Self.fileExtension)"
            : "\(base)-\(String(Self.crc(Array(absolute.utf8)), radix: 16)).\(Self.fileExtension)"
        path = (folder as NSString).appendingPathComponent(name)
        self.source = absolute
        self.fingerprint = fingerprint
    }

    /// Whether new files may go in `folder`: the system allows it and the folder has a write bit.
    /// The bits matter for root, whom `access` lets write anywhere, even in a folder marked read-only.
    private static func acceptsNewFiles(_ folder: String) -> Bool {
        var s = stat()
        return access(folder, W_OK) == 0 && stat(folder, &s) == 0 && s.st_mode & 0o222 != 0
    }

    private struct Header: Codable {
        var source: String
        var fingerprint: String
        var format: DatasetFormat
        var container: DatasetContainer
        var splits: [SplitHeader]
    }

    private struct SplitHeader: Codable {
        var name: String
        var classes: [String]
        var coarseClasses: [String]?
        var height: Int
        var width: Int
        var channels: Int
        var count: Int

        var payloadBytes: Int { count * 4 * (coarseClasses == nil ? 1 : 2) + count * height * width * channels }
    }

    /// The cached splits and what their source was (with status `.hit`), or why they cannot be trusted (`nil` reason: there is no cache file).
    func read() -> Result<(Splits, LoadReport), CacheRejection> {
        func reject(_ why: String) -> Result<(Splits, LoadReport), CacheRejection> { .failure(CacheRejection(reason: why)) }
        guard let status = FileStatus.of(path) else { return .failure(CacheRejection(reason: nil)) }
        do {
            let stream = try FileStream(path: path)
            var prefix = [UInt8](repeating: 0, count: 32)
            guard try prefix.withUnsafeMutableBytes({ try stream.readFully(into: $0) }) == 32,
                  Array(prefix[0..<8]) == Self.magic else { return reject("not a Funnel cache file") }
            let field = { (offset: Int) in prefix.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) } }
            let payloadLength = prefix.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 24, as: UInt64.self))) }
            guard field(8) == Self.version else { return reject("format version \(field(8)), expected \(Self.version)") }
            let headerLength = Int(field(12))
            guard status.size == 32 + headerLength + payloadLength else {
                return reject("file is \(status.size) bytes, its prefix promises \(32 + headerLength + payloadLength)")
            }
            var headerBytes = [UInt8](repeating: 0, count: headerLength)
            _ = try headerBytes.withUnsafeMutableBytes { try stream.readFully(into: $0) }
            guard Self.crc(headerBytes) == field(16) else { return reject("header checksum mismatch") }
            guard let header = try? JSONDecoder().decode(Header.self, from: Data(headerBytes)) else { return reject("unreadable header") }
            guard header.source == source, header.fingerprint == fingerprint else {
                return reject("source changed (cached \(header.fingerprint), now \(fingerprint))")
            }
            guard header.splits.count == 2, header.splits.map(\.payloadBytes).reduce(0, +) == payloadLength else {
                return reject("header does not describe the payload")
            }
            var crc: UInt32 = 0
            let datasets = try header.splits.map { split -> ImageDataset? in
                let labels = try readInts(stream, count: split.count, crc: &crc)
                let coarse = try split.coarseClasses.map { _ in try readInts(stream, count: split.count, crc: &crc) }
                var pixels = [UInt8](repeating: 0, count: split.count * split.height * split.width * split.channels)
                _ = try pixels.withUnsafeMutableBytes { try stream.readFully(into: $0) }
                crc = Self.crc(pixels, continuing: crc)
                guard labels.allSatisfy({ $0 >= 0 && $0 < split.classes.count }),
                      coarse.map({ $0.allSatisfy { $0 >= 0 && $0 < split.coarseClasses!.count } }) ?? true else { return nil }
                return ImageDataset(name: split.name, classes: split.classes, height: split.height, width: split.width,
                                    channels: split.channels, pixels: pixels, labels: labels,
                                    coarseClasses: split.coarseClasses, coarseLabels: coarse)
            }
            guard crc == field(20) else { return reject("payload checksum mismatch") }
            guard let train = datasets[0], let test = datasets[1] else { return reject("labels outside the class list") }
            return .success((Splits(train: train, test: test), LoadReport(format: header.format, container: header.container, cache: .hit(path))))
        } catch {
            return reject("unreadable: \(error)")
        }
    }

    /// Writes `splits`, read from a source in `format` stored in `container`, to the cache file,
    /// creating its folder if needed.
    func write(_ splits: Splits, format: DatasetFormat, container: DatasetContainer) throws {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DataError(.io, file: folder, "cannot create the cache folder: \(error.localizedDescription)")
        }
        let datasets = [splits.train, splits.test]
        let header = Header(source: source, fingerprint: fingerprint, format: format, container: container, splits: datasets.map {
            SplitHeader(name: $0.name, classes: $0.classes, coarseClasses: $0.coarseClasses, height: $0.height,
                        width: $0.width, channels: $0.channels, count: $0.count)
        })
        let headerBytes = [UInt8](try JSONEncoder().encode(header))
        var payload: [[UInt8]] = []
        for dataset in datasets {
            payload.append(Self.bytes(of: dataset.labels))
            if let coarse = dataset.coarseLabels { payload.append(Self.bytes(of: coarse)) }
            payload.append(dataset.pixels) // shares the dataset's storage: arrays copy only on write
        }
        let payloadCRC = payload.reduce(UInt32(0)) { Self.crc($1, continuing: $0) }
        var prefix = Self.magic
        for value in [Self.version, UInt32(headerBytes.count), Self.crc(headerBytes), payloadCRC] {
            withUnsafeBytes(of: value.littleEndian) { prefix += $0 }
        }
        withUnsafeBytes(of: UInt64(payload.map(\.count).reduce(0, +)).littleEndian) { prefix += $0 }
        try Self.withBuffers([prefix, headerBytes] + payload) { try FileIO.writeAtomically(path, $0) }
    }

    private static func withBuffers<R>(_ arrays: [[UInt8]], _ body: ([UnsafeRawBufferPointer]) throws -> R) rethrows -> R {
        func nest(_ index: Int, _ collected: [UnsafeRawBufferPointer]) throws -> R {
            guard index < arrays.count else { return try body(collected) }
            return try arrays[index].withUnsafeBytes { try nest(index + 1, collected + [$0]) }
        }
        return try nest(0, [])
    }

    private func readInts(_ stream: FileStream, count: Int, crc: inout UInt32) throws -> [Int] {
        var bytes = [UInt8](repeating: 0, count: count * 4)
        _ = try bytes.withUnsafeMutableBytes { try stream.readFully(into: $0) }
        crc = Self.crc(bytes, continuing: crc)
        return bytes.withUnsafeBytes { raw in
            (0..<count).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
        }
    }

    private static func bytes(of values: [Int]) -> [UInt8] {
        values.map { Int32($0).littleEndian }.withUnsafeBytes { [UInt8]($0) }
    }

    /// zlib's CRC-32 of `bytes`, continuing from `crc` (fed in 1 GiB pieces: zlib takes a 32-bit length).
    static func crc(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        guard !bytes.isEmpty else { return crc } // zlib restarts from 0 when given no buffer
        return bytes.withUnsafeBufferPointer { buffer in
            var value = UInt(crc)
            var offset = 0
            repeat {
                let n = min(buffer.count - offset, 1 << 30)
                value = CCodecs.crc32(value, buffer.baseAddress! + offset, UInt32(n))
                offset += n
            } while offset < buffer.count
            return UInt32(value)
        }
    }
}

/// Why a cache file was not used; `reason` is `nil` when there was no file.
struct CacheRejection: Error {
    let reason: String?
}
