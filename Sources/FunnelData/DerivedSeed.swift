import FunnelTensor

/// Seeds derived from a user's seed and a position, so each random decision has its own stream.
///
/// Why: if one generator were consumed in sequence, an image's augmentation would depend on how
/// many numbers earlier images drew, which changes with batch size, thread count and resume point.
/// Deriving `(seed, purpose, epoch, index)` into a fresh SplitMix64 seed makes every draw a pure
/// function of where it is used.
enum DerivedSeed {
    /// What a derived stream is for; distinct purposes never share a stream.
    enum Purpose: UInt64 {
        case shuffle = 1, augment, sample, synthetic, scenes
    }

    /// A seed mixed from `seed`, `purpose` and `parts`: each step feeds the running value XOR
    /// the next part through SplitMix64's output function.
    static func make(_ seed: UInt64, _ purpose: Purpose, _ parts: Int...) -> UInt64 {
        var h = mix(seed ^ 0x243F_6A88_85A3_08D3)
        h = mix(h ^ purpose.rawValue)
        for part in parts { h = mix(h ^ UInt64(bitPattern: Int64(part))) }
        return h
    }

    private static func mix(_ x: UInt64) -> UInt64 {
        var generator = RandomGenerator(seed: x)
        return generator.next()
    }
}
