import Foundation

/// A pointer that may cross into concurrent work. Each task writes a disjoint range; that
/// discipline, not the compiler, is what makes the sharing safe.
struct SharedPointer<Pointee>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Pointee>
}

/// Runs `body(range)` over `0..<count` split into contiguous chunks, on up to `threads` threads.
///
/// Ranges are fixed by `count` and `threads` alone, so any reduction done per chunk and combined in
/// chunk order is deterministic.
func parallelChunks(_ count: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                    _ body: @Sendable (Range<Int>) -> Void) {
    let chunks = max(1, min(threads, count))
    if chunks == 1 { body(0..<count); return }
    DispatchQueue.concurrentPerform(iterations: chunks) { k in
        body(count * k / chunks ..< count * (k + 1) / chunks)
    }
}

/// A value shared by concurrent tasks, read and written under a lock.
final class Locked<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()

    init(_ value: Value) { stored = value }

    var value: Value { lock.withLock { stored } }

    func update<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&stored) } }
}
