import Foundation
import FunnelKernels

/// Produces items `0..<count` on background threads and hands them out in index order, at most
/// `depth` items ahead of the consumer.
///
/// Thread `t` of `threads` makes items `t, t + threads, ...`; which thread makes an item, and
/// when, never changes what the item is, because `make` is a pure function of the index.
final class BatchPrefetcher<Item: Sendable>: @unchecked Sendable {
    private let count: Int
    private let depth: Int
    private let condition = NSCondition()
    private var ready: [Int: Item] = [:]
    private var consumed = 0
    private var cancelled = false

    /// Starts `threads` threads making items with `make`, each waiting while its next item would
    /// be more than `depth` ahead of the consumer.
    init(count: Int, depth: Int, threads: Int, make: @escaping @Sendable (Int) -> Item) {
        require(depth >= 1 && threads >= 1, "[BatchPrefetcher] depth \(depth) and threads \(threads) must be at least 1")
        self.count = count
        self.depth = depth
        for t in 0 ..< min(threads, count) {
            let thread = Thread { [self] in
                for index in stride(from: t, to: count, by: threads) {
                    condition.lock()
                    while !cancelled && index >= consumed + depth { condition.wait() }
                    let stop = cancelled
                    condition.unlock()
                    if stop { return }
                    let item = make(index)
                    condition.lock()
                    ready[index] = item
                    condition.broadcast()
                    condition.unlock()
                }
            }
            thread.name = "funnel-batches"
            thread.start()
        }
    }

    /// The next item in index order, waiting for it if needed; `nil` after the last.
    func next() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        guard consumed < count else { return nil }
        while ready[consumed] == nil { condition.wait() }
        let item = ready.removeValue(forKey: consumed)
        consumed += 1
        condition.broadcast()
        return item
    }

    /// Stops the threads after the items they are making; items not yet taken are dropped.
    func cancel() {
        condition.lock()
        cancelled = true
        ready.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
