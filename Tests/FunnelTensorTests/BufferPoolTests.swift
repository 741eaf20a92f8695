import Testing
@testable import FunnelKernels

/// The tensor memory pool: a repeated step gets its buffers back from the pool even when they add
/// up to more than the pool's floor, and what it keeps idle stays bounded when sizes keep changing.
@Suite struct BufferPoolTests {
    /// Sizes in floats of a "step" whose buffers add up to 4.4 MB, above the 1 MB floor.
    static let step = [65_536, 131_072, 65_536, 300_000, 100_000, 65_536, 200_000, 131_072]

    /// Takes every buffer of `sizes` (all alive at once), gives them back, returns their addresses.
    static func run(_ pool: BufferPool, _ sizes: [Int]) -> [UnsafeMutablePointer<Float>] {
        let taken = sizes.map { pool.take($0) }
        for (p, n) in zip(taken, sizes) { pool.give(p, n) }
        return taken
    }

    @Test func aRepeatedStepReusesEveryBufferAboveTheFloor() {
        let pool = BufferPool(floorBytes: 1 << 20)
        let first = Self.run(pool, Self.step)
        let held = pool.peaks.held
        for _ in 0..<3 {
            let again = Self.run(pool, Self.step)
            #expect(Set(again) == Set(first), "a step above the floor got new memory instead of its own buffers back")
        }
        #expect(pool.peaks.held == held && held == Self.step.reduce(0, +) * 4)
    }

    @Test func idleMemoryStaysBoundedWhenSizesKeepChanging() {
        let pool = BufferPool(floorBytes: 1 << 20)
        _ = Self.run(pool, Self.step)
        let live = pool.peaks.live
        // Configurations one after another, each with sizes of its own (a sweep agent's runs).
        for k in 1...20 { _ = Self.run(pool, Self.step.map { $0 + 16 * k }) }
        // Held = live + idle, with idle capped at 1.5 x the peak in use: at most 2.5 x that peak
        // (11 MB here), where keeping every configuration's buffers would hold 21 steps' worth (92 MB).
        let peak = pool.peaks.live
        #expect(pool.peaks.held <= peak + peak + peak / 2, "held \(pool.peaks.held) bytes for steps of \(peak)")
        #expect(pool.peaks.live < live + 20 * 16 * 4 * Self.step.count + 1)
    }

    @Test func largeBuffersStartOnDifferentLinesOfAPage() {
        // Floor 0 and nothing in use before: every buffer given back is freed, through the start
        // of its allocation (a wrong start would crash or leak here).
        let pool = BufferPool(floorBytes: 0)
        let n = BufferPool.hugePage / 4 + 16
        let taken = (0..<BufferPool.colors).map { _ in pool.take(n) }
        let lines = Set(taken.map { UInt(bitPattern: $0) % 4096 / 64 })
        #expect(lines.count == BufferPool.colors, "large buffers share lines of a 4 KB page: \(lines.sorted())")
        for p in taken {
            #expect(UInt(bitPattern: p) % 64 == 0, "a buffer is not 64-byte aligned: streaming stores need it")
            #expect(UInt(bitPattern: BufferPool.allocation(of: p, count: n)) % UInt(BufferPool.hugePage) == 0)
            p.update(repeating: 1, count: n)  // the whole buffer is writable past its offset
        }
        for p in taken { pool.give(p, n) }
        #expect(pool.peaks.live == BufferPool.colors * n * 4)
    }
}
