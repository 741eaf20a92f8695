import Foundation

/// Per-channel Double sums gathered from worker threads, added in chunk order whatever order the
/// threads finish in, so results are bitwise reproducible.
final class ChannelPartials: @unchecked Sendable {
    private var parts: [Int: [[Double]]] = [:]
    private let channels: Int, slots: Int
    private let lock = NSLock()
    init(channels: Int, slots: Int) { self.channels = channels; self.slots = slots }

    /// Records the sums of the chunk starting at `chunk` for one slot.
    func add(_ values: [Double], slot: Int, chunk: Int) {
        lock.lock(); defer { lock.unlock() }
        if parts[chunk] == nil { parts[chunk] = [[Double]](repeating: [], count: slots) }
        parts[chunk]![slot] = values
    }

    /// Totals per slot.
    var sums: [[Double]] {
        var out = [[Double]](repeating: [Double](repeating: 0, count: channels), count: slots)
        for chunk in parts.keys.sorted() {
            for slot in 0..<slots { for (i, v) in parts[chunk]![slot].enumerated() { out[slot][i] += v } }
        }
        return out
    }
}
