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

/// Runs `body` over chunks of `count` items in parallel (`parallelChunks`), each chunk with its own
/// zeroed `width` Double sums (nil when `width` is 0), and returns the sums added up in chunk order:
/// bitwise reproducible for a given thread count. The per-thread reductions of Funnel's C kernels.
func chunkedSums(_ count: Int, minimumPerThread: Int, width: Int, _ body: (Range<Int>, UnsafeMutablePointer<Double>?) -> Void) -> [Double] {
    let partial = ChannelPartials(channels: width, slots: 1)
    parallelChunks(count, minimumPerThread: minimumPerThread) { chunk in
        var sums = [Double](repeating: 0, count: width)
        sums.withUnsafeMutableBufferPointer { body(chunk, width == 0 ? nil : $0.baseAddress!) }
        if width > 0 { partial.add(sums, slot: 0, chunk: chunk.lowerBound) }
    }
    return width == 0 ? [] : partial.sums[0]
}
