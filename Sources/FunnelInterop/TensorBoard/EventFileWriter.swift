import Foundation

/// Writes one TensorBoard event file: TFRecord framing around `Event` protobufs, each record
/// written as it comes (TensorBoard reads a file while it grows).
///
/// A record is the data's length as a little-endian UInt64, the masked CRC-32C of those eight
/// bytes, the data, and the masked CRC-32C of the data (tensorflow/core/lib/io/record_writer.cc).
public final class EventFileWriter {
    /// The file being written.
    public let url: URL
    private let handle: FileHandle

    /// The version string of the first event of every file.
    public static let fileVersion = "brain.Event:2"

    /// Creates `directory` if needed and a new file in it named
    /// `events.out.tfevents.<unix time>.<host>`, as TensorFlow names them (with `.<n>` appended
    /// when that name is taken: two sessions of a run in one second), and writes the version event.
    public init(directory: URL, time: Date = Date(), host: String = EventFileWriter.hostName) throws {
        let base = "events.out.tfevents.\(Int(time.timeIntervalSince1970)).\(host)"
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TensorBoardError.cannotCreate(path: directory.appendingPathComponent(base).path, reason: "\(error.localizedDescription)")
        }
        var attempt = 0
        while true {
            let candidate = directory.appendingPathComponent(attempt == 0 ? base : "\(base).\(attempt)")
            // O_EXCL: a file another writer just created is never shared or truncated.
            let descriptor = open(candidate.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if descriptor >= 0 {
                url = candidate
                handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
                break
            }
            guard errno == EEXIST else {
                throw TensorBoardError.cannotCreate(path: candidate.path, reason: String(cString: strerror(errno)))
            }
            attempt += 1
        }
        try write(TensorBoard.Event(wallTime: time.timeIntervalSince1970, content: .fileVersion(Self.fileVersion)))
    }

    /// Appends `event` as one record.
    public func write(_ event: TensorBoard.Event) throws {
        do {
            try handle.write(contentsOf: Self.record(event.encoded))
        } catch {
            throw TensorBoardError.cannotWrite(path: url.path, reason: "\(error.localizedDescription)")
        }
    }

    /// `data` framed as a TFRecord.
    public static func record(_ data: [UInt8]) -> [UInt8] {
        var record: [UInt8] = []
        record.reserveCapacity(data.count + 16)
        append(UInt64(data.count), to: &record)
        append(CRC32C.masked(record), to: &record)
        record += data
        append(CRC32C.masked(data), to: &record)
        return record
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    /// This machine's name, as event file names carry it.
    public static var hostName: String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return host.isEmpty ? "localhost" : host.replacingOccurrences(of: "/", with: "_")
    }
}
