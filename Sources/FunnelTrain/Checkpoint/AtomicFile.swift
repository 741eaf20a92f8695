import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces the file at `url` with `bytes` so that no reader ever sees a partial file, even if
/// the process or the machine dies midway: the bytes go to a temporary file in the same directory
/// (rename is atomic only within one file system), are flushed to disk, and the temporary file is
/// renamed over the target; the directory is then flushed so the rename itself is durable.
public func writeAtomically(_ bytes: [UInt8], to url: URL) throws(CheckpointError) {
    let path = url.path
    let directory = url.deletingLastPathComponent().path
    let temporary = "\(directory)/.\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    func failure(_ operation: String) -> CheckpointError {
        .io(file: path, operation: operation, reason: String(cString: strerror(errno)))
    }

    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { throw failure("create temporary file \(temporary)") }
    var written = 0
    var error: CheckpointError?
    bytes.withUnsafeBytes { raw in
        while written < raw.count {
            let n = write(fd, raw.baseAddress! + written, raw.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                error = failure("write")
                return
            }
            written += n
        }
    }
    if error == nil, fsync(fd) != 0 { error = failure("fsync") }
    if close(fd) != 0, error == nil { error = failure("close") }
    if error == nil, rename(temporary, path) != 0 { error = failure("rename into place") }
    if let error {
        unlink(temporary)
        throw error
    }
    // Best effort: some file systems do not support fsync on directories.
    let directoryFD = open(directory, O_RDONLY)
    if directoryFD >= 0 {
        _ = fsync(directoryFD)
        close(directoryFD)
    }
}
