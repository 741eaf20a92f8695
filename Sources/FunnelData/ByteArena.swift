/// One growing block of bytes that holds many small files back to back.
///
/// Why: an archive of 60,000 small images read into 60,000 arrays costs an allocation each and
/// scatters them; here each file is a range of one block, filled by `read` straight into its tail.
/// Once filled it is only read, from any thread.
final class ByteArena: @unchecked Sendable {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 1 << 20) {
        self.capacity = max(capacity, 16)
        base = .allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// Room for `n` more bytes at the end, to be filled and then committed with `commit(_:)`.
    func reserve(_ n: Int) -> UnsafeMutableRawBufferPointer {
        if count + n > capacity {
            var grown = capacity
            while count + n > grown { grown *= 2 }
            let moved = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
            moved.copyMemory(from: base, byteCount: count)
            base.deallocate()
            base = moved
            capacity = grown
        }
        return UnsafeMutableRawBufferPointer(start: base + count, count: n)
    }

    /// Marks the next `n` reserved bytes as filled and returns their range.
    func commit(_ n: Int) -> Range<Int> {
        defer { count += n }
        return count ..< count + n
    }

    /// The bytes in `range`, valid while the arena lives and is not grown.
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }
}
