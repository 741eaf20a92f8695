import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes `text` to standard error, after what standard output holds, dropping it if that stream is
/// closed.
///
/// `FileHandle.standardError.write` traps on a failed write, and a training process whose reader
/// has gone (`funnel train 2>&1 | head`) must live to checkpoint its run rather than crash.
public func writeToStandardError(_ text: String) {
    // Standard output is buffered when it is a file or a pipe, standard error is not: flushed
    // first, lines printed before this one come before it where both streams go to one place
    // (`funnel runs show … 2>&1 | less`).
    fflush(nil)  // all output streams (Swift 6 does not let a function name the global `stdout`)
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
