import Foundation

/// Student's t distribution with `degreesOfFreedom` (ν) degrees of freedom; ν need not be an integer,
/// as Welch's test produces fractional ν.
///
/// The distribution function comes from the regularised incomplete beta function:
/// P(|T| > |t|) = I_{ν/(ν+t²)}(ν/2, 1/2). Quantiles invert it by safeguarded Newton steps inside a bracket.
public struct StudentTDistribution: Sendable, Hashable {
    /// ν, > 0.
    public let degreesOfFreedom: Double

    /// - Parameter degreesOfFreedom: ν, finite and > 0.
    public init(degreesOfFreedom: Double) {
        precondition(degreesOfFreedom > 0 && degreesOfFreedom.isFinite,
                     "[StudentTDistribution] degrees of freedom must be finite and positive, got \(degreesOfFreedom)")
        self.degreesOfFreedom = degreesOfFreedom
    }

    /// The density Γ((ν+1)/2) / (√(νπ) Γ(ν/2)) · (1 + t²/ν)^(-(ν+1)/2).
    public func density(_ t: Double) -> Double {
        let nu = degreesOfFreedom
        let logNormaliser = lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * log(nu * Double.pi)
        return exp(logNormaliser - (nu + 1) / 2 * log1p(t * t / nu))
    }

    /// P(|T| ≥ |t|): the two-sided p-value of an observed statistic t.
    public func twoSidedTailProbability(_ t: Double) -> Double {
        if t.isNaN { return .nan }
        if t.isInfinite { return 0 }
        let nu = degreesOfFreedom
        return regularizedIncompleteBeta(nu / (nu + t * t), a: nu / 2, b: 0.5)
    }

    /// The distribution function P(T ≤ t).
    public func cdf(_ t: Double) -> Double {
        let tail = 0.5 * twoSidedTailProbability(t)
        return t > 0 ? 1 - tail : tail
    }

    /// The p-quantile: the t with P(T ≤ t) = p.
    ///
    /// - Parameter p: A probability in (0, 1).
    /// - Returns: The quantile; accurate to about 1e-12 relative.
    public func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "[StudentTDistribution.quantile] p must lie in (0, 1), got \(p)")
        if p == 0.5 { return 0 }
        // Solve on the upper tail, where the target probability 1 - p keeps its precision, and use symmetry.
        let upperTail = p > 0.5 ? 1 - p : p
        let t = upperTailQuantile(upperTail)
        return p > 0.5 ? t : -t
    }

    /// The t > 0 with P(T > t) = q, for q in (0, 1/2).
    private func upperTailQuantile(_ q: Double) -> Double {
        let tail = { (t: Double) in 0.5 * self.twoSidedTailProbability(t) }
        // Bracket the root: the tail falls from 1/2 at 0; double the upper end until it is below q.
        var low = 0.0, high = 1.0
        while tail(high) > q { low = high; high *= 2 }
        var t = (low + high) / 2
        for _ in 0..<200 {
            let excess = tail(t) - q          // decreasing in t
            if excess > 0 { low = t } else { high = t }
            // Newton: d tail / dt = -density(t). Fall back to bisection when the step leaves the bracket.
            var next = t + excess / density(t)
            if !(next > low && next < high) { next = (low + high) / 2 }
            if abs(next - t) <= 1e-14 * max(1, abs(next)) { return next }
            t = next
        }
        return t
    }
}
