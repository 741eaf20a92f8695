import Foundation

/// Runs image-decoding jobs in parallel, each worker with its own `ImageDecoder`.
enum DecodeJobs {
    /// Calls `body(job, decoder)` for every job in `0..<jobs` on up to `workers` threads.
    ///
    /// - Throws: the error of the lowest-numbered failing job: jobs are handed out in increasing
    ///   order and, after a failure, workers finish the jobs they hold but take no new ones, so
    ///   every job before the first failure has run.
    static func run(jobs: Int, workers: Int, _ body: @Sendable (Int, ImageDecoder) throws -> Void) throws {
        guard jobs > 0 else { return }
        let state = State(jobs: jobs)
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, jobs))) { _ in
            let decoder = ImageDecoder()
            while let chunk = state.nextChunk() {
                for job in chunk {
                    do { try body(job, decoder) } catch {
                        state.fail(job, error)
                        break
                    }
                }
            }
        }
        if let error = state.firstError { throw error }
    }

    /// Jobs handed out and failures seen, shared by the workers under a lock.
    private final class State: @unchecked Sendable {
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
