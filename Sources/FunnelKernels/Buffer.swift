import Foundation

/// A 64-byte aligned float buffer drawn from a size-keyed pool, so that a training step reuses the
/// previous step's memory instead of asking the system (and page-faulting) again.
public final class Buffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// An uninitialised buffer of `count` floats.
    public init(count: Int) {
        self.count = count
        pointer = BufferPool.shared.take(count)
    }

    /// A zero-filled buffer.
    public convenience init(zeros count: Int) {
        self.init(count: count)
        pointer.initialize(repeating: 0, count: count)
    }

    /// Per-channel arrays of `channels` floats each, one after another, as the C kernels take their
    /// constants.
    package convenience init(packing arrays: [UnsafePointer<Float>], channels c: Int) {
        self.init(count: arrays.count * c)
        for (i, p) in arrays.enumerated() { (pointer + i * c).update(from: p, count: c) }
    }

    deinit { BufferPool.shared.give(pointer, count) }
}

/// Free lists of aligned blocks keyed by element count. Holds idle at most the larger of
/// `floorBytes` and 1.5 x the most bytes ever in use at once. A training step repeats the last
/// one's sizes, so its buffers all come back to the pool for the next (the margin covers sizes a
/// step frees before others are taken: ResNet-50 with FReLU at batch 128 has 6.5 GB in use and the
/// pool holds 7.3 GB). With a fixed cap such a step gave the excess back to the system at its end
/// and page-faulted it in again in the next. The bound keeps a process that trains one
/// configuration after another (a sweep agent) from holding every configuration's sizes.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var idleBytes = 0
    /// Bytes handed out and not yet returned, and the most there ever were at once.
    private var liveBytes = 0, peakLiveBytes = 0
    /// The most bytes held (live plus idle) at once: what the pool costs in resident memory.
    private var peakHeldBytes = 0
    private let floorBytes: Int
    private let lock = NSLock()

    init(floorBytes: Int = 4 << 30) { self.floorBytes = floorBytes }

    /// The x86-64 huge page size.
    static let hugePage = 2 << 20

    /// Large buffers start `colorStep` bytes times their colour past a huge page boundary, colours
    /// 0..<colors in turn (why: `take`). 17 cache lines a step: the colours fall on 31 different
    /// lines of a 4 KB page, and cost at most 32 KB a buffer.
    static let colors = 31, colorStep = 17 * 64
    private var largeBuffers = 0

    var peaks: (live: Int, held: Int) {
        lock.lock(); defer { lock.unlock() }
        return (peakLiveBytes, peakHeldBytes)
    }

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = max(count, 1)
        lock.lock()
        liveBytes += n * 4
        peakLiveBytes = max(peakLiveBytes, liveBytes)
        if var list = free[n], let p = list.popLast() {
            free[n] = list
            idleBytes -= n * 4
            lock.unlock()
            return p
        }
        peakHeldBytes = max(peakHeldBytes, liveBytes + idleBytes)
        let large = Self.isLarge(n)
        let offset = large ? largeBuffers % Self.colors * Self.colorStep : 0
        if large { largeBuffers += 1 }
        lock.unlock()
        let raw: UnsafeMutableRawPointer
        // Tensors of 2 MB and more are backed by transparent huge pages where the kernel offers them
        // on request (`enabled = madvise`, as on this machine kind): a pass over an 8 MB activation
        // then walks 4 TLB entries, not 2,048. The whole 2 MB extents inside the buffer are advised.
        // Each starts at its colour's offset past the boundary: tensors that all started on one would
        // put element i of each (x, t, g, y of a pass over the same positions) at the same address
        // bits 0-20, in the same L1 and L2 set, and a store to one would look like a store to the
        // lines the next loads read (4K aliasing). Measured on FReLU's C kernels with warm caches,
        // one tensor offset against the others: 10-45% faster passes at 256 channels, up to 30% at
        // 16; in training steps, whose passes wait on memory, below what the benchmarks resolve.
        if large {
            let base = UnsafeMutableRawPointer.allocate(byteCount: n * 4 + offset, alignment: Self.hugePage)
            _ = madvise(base, (n * 4 + offset) / Self.hugePage * Self.hugePage, MADV_HUGEPAGE)
            raw = base + offset
        } else {
            raw = UnsafeMutableRawPointer.allocate(byteCount: n * 4, alignment: 64)
        }
        return raw.bindMemory(to: Float.self, capacity: n)
    }

    func give(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        let n = max(count, 1)
        lock.lock()
        liveBytes -= n * 4
        if idleBytes + n * 4 <= max(floorBytes, peakLiveBytes + peakLiveBytes / 2) {
            free[n, default: []].append(p)
            idleBytes += n * 4
            lock.unlock()
        } else {
            lock.unlock()
            Self.allocation(of: p, count: n).deallocate()
        }
    }

    /// Whether a buffer of `n` floats is large: huge pages and a colour (`take`).
    static func isLarge(_ n: Int) -> Bool { n * 4 >= hugePage }

    /// The start of the allocation behind buffer `p` of `n` floats: a large buffer's huge page
    /// boundary (its colour's offset is below 2 MB), else `p` itself.
    static func allocation(of p: UnsafeMutablePointer<Float>, count n: Int) -> UnsafeMutableRawPointer {
        guard isLarge(n) else { return UnsafeMutableRawPointer(p) }
        return UnsafeMutableRawPointer(bitPattern: UInt(bitPattern: p) & ~UInt(hugePage - 1))!
    }
}

/// Tensor memory so far: the peak of bytes in use, and the peak the pool held (in use plus idle).
package var tensorMemoryPeaks: (live: Int, held: Int) { BufferPool.shared.peaks }
