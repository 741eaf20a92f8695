import Foundation
import FunnelKernels

/// Funnel's seeded random stream.
///
/// The stream is SplitMix64 (Steele, Lea & Flood 2014): state += 0x9E3779B97F4A7C15, then the state
/// is mixed into a 64-bit output. A uniform float in [0, 1) is the top 24 bits times 2^-24; a normal
/// pair comes from two uniforms by Box–Muller. Values are produced one after another on the calling
/// thread, in logical (row-major NCHW) order, so a seed gives the same numbers on every run, machine
/// and thread count.
public struct RandomGenerator: Sendable, Codable, Equatable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func nextUniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform integer in `0..<n` (unbiased).
    public mutating func nextInt(_ n: Int) -> Int {
        require(n > 0)
        let bound = UInt64(n)
        let limit = UInt64.max - UInt64.max % bound
        while true { let r = next(); if r < limit { return Int(r % bound) } }
    }

    /// A standard normal pair (Box–Muller).
    public mutating func nextNormalPair() -> (Float, Float) {
        let u1 = Double(next() >> 11) * 0x1p-53, u2 = Double(next() >> 11) * 0x1p-53
        let r = (-2 * Foundation.log(max(u1, 0x1p-60))).squareRoot()
        return (Float(r * cos(2 * .pi * u2)), Float(r * sin(2 * .pi * u2)))
    }

    /// A Fisher–Yates permutation of `0..<n`.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 { for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, nextInt(i + 1)) } }
        return p
    }
}

/// The default generator, used where no generator is passed (initialisers, dropout).
///
/// `seeded(_:_:)` gives a scope (a task and everything it calls) a generator of its own, so runs
/// in parallel tasks of one process (tests, experiment cells) cannot draw from each other's
/// stream; outside any scope a process-wide generator is used.
public enum DefaultRandom {
    nonisolated(unsafe) private static var generator = RandomGenerator(seed: 0)
    private static let lock = NSLock()
    @TaskLocal private static var scoped: Box?

    private final class Box: @unchecked Sendable {
        var generator: RandomGenerator
        let lock = NSLock()
        init(_ g: RandomGenerator) { generator = g }
    }

    /// Reseeds the generator of the current scope (or the process-wide one).
    public static func seed(_ seed: UInt64) { state = RandomGenerator(seed: seed) }

    /// Runs `body` with its own generator seeded with `seed`.
    public static func seeded<R>(_ seed: UInt64, _ body: () throws -> R) rethrows -> R {
        try $scoped.withValue(Box(RandomGenerator(seed: seed)), operation: body)
    }

    /// The generator's state, for checkpoints.
    public static var state: RandomGenerator {
        get { with { $0 } }
        set { with { $0 = newValue } }
    }

    /// Runs `body` with exclusive use of the current generator.
    public static func with<R>(_ body: (inout RandomGenerator) -> R) -> R {
        if let box = scoped { return box.lock.withLock { body(&box.generator) } }
        return lock.withLock { body(&generator) }
    }
}
