import Glibc

/// Pushes every operand out of the caches, so the pass timed next reads them from memory as the
/// passes of a training step read the tensors the passes before them wrote (`funnel bench ops
/// --cold`: inside a step a convolution ran 30–60% slower than timed again and again alone).
package enum CacheFlush {
    /// Bytes rewritten per flush: twice the last-level cache this CPU reports, at least 64 MB.
    package static let bytes = max(64 << 20, 2 * sysconf(Int32(_SC_LEVEL3_CACHE_SIZE)))

    /// Allocated on the first flush and kept: one buffer a process, only where flushes are asked for.
    private static let buffer = Buffer(zeros: bytes / MemoryLayout<Float>.stride)

    /// Adds one to every float of the buffer on every compute thread: loads and ordinary stores
    /// (not a `memset`, which streams large fills past the caches and would leave them as they were).
    package static func evict() {
        let base = buffer.pointer
        parallelChunks(buffer.count, minimumPerThread: 1 << 20) { range in
            for i in range { base[i] += 1 }
        }
    }
}
