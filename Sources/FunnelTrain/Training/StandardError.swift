import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes `text` to standard error, dropping it if that stream is closed.
///
/// `FileHandle.standardError.write` traps on a failed write, and a training process whose reader
/// has gone (`funnel train 2>&1 | head`) must live to checkpoint its run rather than crash.
public func writeToStandardError(_ text: String) {
    var rest = Array(text.utf8)[...]
    while !rest.isEmpty {
        let written = rest.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno == EINTR { continue }
            return
        }
        rest = rest.dropFirst(written)
    }
}
