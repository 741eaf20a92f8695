import Foundation

/// What `stat` says about a path.
struct FileStatus: Equatable {
    var isDirectory: Bool
    var size: Int
    /// Modification time in nanoseconds since 1970.
    var modified: Int64

    /// The status of `path`, following symbolic links; `nil` if it does not exist.
    static func of(_ path: String) -> FileStatus? {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        #if canImport(Darwin)
        let time = s.st_mtimespec
        #else
        let time = s.st_mtim
        #endif
        return FileStatus(isDirectory: (s.st_mode & S_IFMT) == S_IFDIR, size: Int(s.st_size),
                          modified: Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec))
    }
}

/// A source of bytes read front to back.
protocol ByteStream: AnyObject {
    /// Reads up to `buffer.count` bytes into `buffer`; returns 0 only at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A file read with `read(2)`: no Foundation buffering between the disk and the caller's buffer.
final class FileStream: ByteStream {
    let path: String
    private let fd: Int32

    /// Opens `path` for reading.
    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw DataError.system("open for reading", path) }
    }

    deinit { close(fd) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = systemRead(fd, base, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw DataError.system("read", path) }
        }
    }

    /// Fills `buffer` completely; returns how many bytes it got before the end of the file.
    func readFully(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
            if n == 0 { break }
            done += n
        }
        return done
    }
}

/// `read(2)`, named apart from `FileStream.read(into:)`, which hides it inside the class.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}

enum FileIO {
    /// Writes `parts` one after another to `path` so that readers see the old file or the whole new
    /// one, never a half-written one: the bytes go to a temporary file in the same folder, which is
    /// flushed and then renamed over `path`.
    static func writeAtomically(_ path: String, _ parts: [UnsafeRawBufferPointer]) throws {
        let temporary = "\(path).tmp-\(getpid())-\(DispatchTime.now().uptimeNanoseconds)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 { throw DataError.system("create", temporary) }
        var ok = false
        defer {
            close(fd)
            if !ok { unlink(temporary) }
        }
        for part in parts {
            var done = 0
            while done < part.count {
                let n = write(fd, part.baseAddress! + done, part.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw DataError.system("write", temporary)
                }
                done += n
            }
        }
        if fsync(fd) != 0 { throw DataError.system("flush", temporary) }
        if rename(temporary, path) != 0 { throw DataError.system("rename \(temporary) over it", path) }
        ok = true
    }
}
