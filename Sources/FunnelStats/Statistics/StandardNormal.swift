import Foundation

/// The standard normal distribution N(0, 1).
public enum StandardNormal {
    /// The density φ(x) = exp(-x²/2) / √(2π).
    public static func density(_ x: Double) -> Double {
        exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
    }

    /// The distribution function Φ(x) = erfc(-x/√2) / 2.
    ///
    /// Written with `erfc` rather than `1 + erf` so that the far left tail keeps its relative precision.
    public static func cdf(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }
}
