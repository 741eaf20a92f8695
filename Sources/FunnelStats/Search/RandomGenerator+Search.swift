import FunnelTensor

extension RandomGenerator {
    /// The generator of the `index`-th suggestion of a search seeded with `seed`.
    ///
    /// Searches keep no state between suggestions, so each suggestion needs its own stream. Seeding
    /// SplitMix64 with seed + index would give overlapping streams (each the previous one shifted by a
    /// step), so the pair is first hashed through one SplitMix64 output.
    init(seed: UInt64, stream index: Int) {
        var mixer = RandomGenerator(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        self.init(seed: mixer.next())
    }

    /// Uniform in [0, 1), with the full 53 bits of a double.
    mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }
}
