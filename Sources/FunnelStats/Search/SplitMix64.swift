import Foundation

/// The searches' random numbers: SplitMix64, the generator `FunnelTensor.RandomGenerator` also uses
/// (restated here so that statistics do not depend on the tensor library).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator seeded with `seed`.
    public init(seed: UInt64) { state = seed }

    /// The generator of the `index`-th suggestion of a search seeded with `seed`.
    ///
    /// Searches keep no state between suggestions, so each suggestion needs its own stream. Seeding
    /// SplitMix64 with seed + index would give overlapping streams (each the previous one shifted by a
    /// step), so the pair is first hashed through one SplitMix64 output.
    public init(seed: UInt64, stream index: Int) {
        var mixer = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        self.init(seed: mixer.next())
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), with the full 53 bits of a double.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A standard normal draw (the first of a Box–Muller pair; consumes two uniforms).
    public mutating func nextNormal() -> Double {
        let u1 = nextDouble(), u2 = nextDouble()
        return (-2 * Foundation.log(max(u1, 0x1p-60))).squareRoot() * Foundation.cos(2 * .pi * u2)
    }
}
