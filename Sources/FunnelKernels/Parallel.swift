import Dispatch

/// Number of threads Funnel's own kernels split work into (set with `setComputeThreads`).
nonisolated(unsafe) var kernelThreads = 0

/// Runs `body(range)` over `0..<count` split into contiguous chunks, one per worker thread.
/// Small jobs run inline: a dispatch costs more than it saves below `minimumPerThread` items.
@inline(__always)
func parallelChunks(_ count: Int, minimumPerThread: Int = 2048, _ body: (Range<Int>) -> Void) {
    let threads = max(1, min(kernelThreads > 0 ? kernelThreads : DNNLContext.shared.threads, count / max(1, minimumPerThread)))
    if threads <= 1 { body(0..<count); return }
    let chunk = (count + threads - 1) / threads
    withoutActuallyEscaping(body) { body in
        // The chunks touch disjoint memory; the closure itself is only read.
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let start = t * chunk
            if start < count { shared.value(start..<min(count, start + chunk)) }
        }
    }
}

/// Hands a value to worker threads that only read it.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
