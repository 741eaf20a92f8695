import Foundation

/// Number of threads Funnel's own kernels split work into (set with `setComputeThreads`).
nonisolated(unsafe) var kernelThreads = 0

/// The compute threads: this task's (`TaskSettings`), else those set with `setComputeThreads`, else
/// the OpenMP pool's size.
package var computeThreadCount: Int { max(1, TaskSettings.computeThreads ?? (kernelThreads > 0 ? kernelThreads : DNNLContext.shared.threads)) }

// Funnel's kernels run on oneDNN's own OpenMP thread pool (libgomp's `GOMP_parallel`), not on a
// second pool: two pools on two cores fight, since OpenMP's workers spin between oneDNN calls and
// steal the core a Dispatch worker needs. Entry points are looked up at run time (see DNNL.swift).
private typealias GompBody = @convention(c) (UnsafeMutableRawPointer?) -> Void
private let gompParallel = unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "GOMP_parallel"),
                                         to: (@convention(c) (GompBody, UnsafeMutableRawPointer?, UInt32, UInt32) -> Void)?.self)
private let ompGetThreadNum = unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_get_thread_num"),
                                            to: (@convention(c) () -> Int32)?.self)

/// The job handed to each OpenMP thread.
private final class ParallelJob {
    let body: (Range<Int>) -> Void
    let count: Int, chunk: Int
    init(body: @escaping (Range<Int>) -> Void, count: Int, chunk: Int) { self.body = body; self.count = count; self.chunk = chunk }
}

/// Runs `body(range)` over `0..<count` split into contiguous chunks, one per compute thread
/// (`setComputeThreads`, `--threads`), on oneDNN's OpenMP pool. The one implementation for every
/// module, so no part of Funnel uses more threads than asked for.
/// Small jobs run inline: a parallel region costs more than it saves below `minimumPerThread` items
/// (pass 1 where each item is a large piece of work). Chunks depend on the thread count, so a
/// reduction that must not should split its work into fixed pieces of its own.
@inline(__always)
package func parallelChunks(_ count: Int, minimumPerThread: Int = 2048, _ body: (Range<Int>) -> Void) {
    let threads = max(1, min(computeThreadCount, count / max(1, minimumPerThread)))
    if threads <= 1 { body(0..<count); return }
    let chunk = (count + threads - 1) / threads
    withoutActuallyEscaping(body) { body in
        let job = ParallelJob(body: body, count: count, chunk: chunk)
        let context = Unmanaged.passUnretained(job).toOpaque()
        if let gompParallel, ompGetThreadNum != nil {
            // The chunks touch disjoint memory; the job itself is only read.
            gompParallel({ raw in
                let job = Unmanaged<ParallelJob>.fromOpaque(raw!).takeUnretainedValue()
                let start = Int(ompGetThreadNum!()) * job.chunk
                if start < job.count { job.body(start..<min(job.count, start + job.chunk)) }
            }, context, UInt32(threads), 0)
        } else {
            let shared = UncheckedSendable(job)
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let start = t * chunk
                if start < count { shared.value.body(start..<min(count, start + chunk)) }
            }
        }
        withExtendedLifetime(job) {}
    }
}

/// Hands a value to worker threads that only read it.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
