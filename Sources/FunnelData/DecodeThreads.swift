import Foundation

/// Runs image-decoding jobs on threads it starts and owns, each with its own `ImageDecoder`.
///
/// Why its own threads rather than Dispatch: when libjpeg hits a fatal error its `error_exit` must
/// not return, and Swift cannot `longjmp` out of it. The decoder's handler records the error for
/// the job, reports the thread finished, and parks that thread forever. A damaged JPEG thus costs
/// one idle thread (and the decompressor's memory) instead of the process; parking a Dispatch
/// worker would instead starve the shared pool.
enum DecodeThreads {
    /// Calls `body(job, decoder)` for every job in `0..<jobs` on up to `threads` threads.
    ///
    /// - Parameter file: names job `i`'s file in errors from libjpeg's fatal handler.
    /// - Throws: the error of the lowest-numbered failing job: jobs are handed out in increasing
    ///   order and, after a failure, threads finish the jobs they hold but take no new ones, so
    ///   every job before the first failure has run.
    static func run(jobs: Int, threads: Int, file: @escaping @Sendable (Int) -> String,
                    _ body: @escaping @Sendable (Int, ImageDecoder) throws -> Void) throws {
        guard jobs > 0 else { return }
        let state = State(jobs: jobs)
        let workers = max(1, min(threads, jobs))
        for _ in 0..<workers {
            let thread = Thread {
                let current = CurrentJob()
                let decoder = ImageDecoder { message in
                    state.fail(current.job, DataError(.corrupt, file: file(current.job), "undecodable JPEG: \(message)"))
                    state.finished.signal()
                    while true { sleep(3600) } // parked for good: see the type's comment
                }
                while let chunk = state.nextChunk() {
                    for job in chunk {
                        current.job = job
                        do { try body(job, decoder) } catch {
                            state.fail(job, error)
                            break
                        }
                    }
                }
                state.finished.signal()
            }
            thread.name = "funnel-decode"
            thread.start()
        }
        for _ in 0..<workers { state.finished.wait() }
        if let error = state.firstError { throw error }
    }

    /// The job a thread is on, read by the fatal-error handler on the same thread.
    private final class CurrentJob: @unchecked Sendable {
        var job = 0
    }

    /// Jobs handed out and failures seen, shared by the threads under a lock.
    private final class State: @unchecked Sendable {
        let finished = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private let jobs: Int
        private let chunkSize: Int
        private var next = 0
        private var failures: [(job: Int, error: Error)] = []

        init(jobs: Int) {
            self.jobs = jobs
            chunkSize = max(1, min(256, jobs / 64)) // small enough to balance, large enough to rarely lock
        }

        func nextChunk() -> Range<Int>? {
            lock.withLock {
                guard failures.isEmpty, next < jobs else { return nil }
                defer { next = min(jobs, next + chunkSize) }
                return next ..< min(jobs, next + chunkSize)
            }
        }

        func fail(_ job: Int, _ error: Error) {
            lock.withLock { failures.append((job, error)) }
        }

        var firstError: Error? {
            lock.withLock { failures.min { $0.job < $1.job }?.error }
        }
    }
}
