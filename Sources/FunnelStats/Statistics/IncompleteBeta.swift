import Foundation

/// The regularised incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b), for a, b > 0 and x in [0, 1].
///
/// Evaluated as in Numerical Recipes (3rd ed., §6.4, `betai`/`betacf`): the continued fraction
/// converges quickly for x < (a + 1) / (a + b + 2); above that point the symmetry
/// I_x(a, b) = 1 - I_{1-x}(b, a) moves the evaluation into that region. The fraction is summed with the
/// modified Lentz method, which needs no rescaling of partial numerators and denominators.
///
/// - Parameters:
///   - x: The upper limit of integration, in [0, 1].
///   - a: First shape parameter, > 0.
///   - b: Second shape parameter, > 0.
/// - Returns: I_x(a, b), in [0, 1].
public func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
    precondition(a > 0 && b > 0, "[regularizedIncompleteBeta] shape parameters must be positive, got a=\(a) b=\(b)")
    precondition(x >= 0 && x <= 1, "[regularizedIncompleteBeta] x must lie in [0, 1], got \(x)")
    if x == 0 || x == 1 { return x }
    // x^a (1-x)^b / B(a, b), in logs so that large shape parameters (many degrees of freedom) do not overflow.
    let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
    let front = exp(logFront)
    if x < (a + 1) / (a + b + 2) {
        return front * betaContinuedFraction(x, a: a, b: b) / a
    }
    return 1 - front * betaContinuedFraction(1 - x, a: b, b: a) / b
}

/// The continued fraction of the incomplete beta function (Numerical Recipes `betacf`), by modified Lentz.
private func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
    // Lentz replaces an exact zero denominator by a tiny number so the recurrence can continue.
    let tiny = 1e-300
    let epsilon = 1e-15
    // The fraction needs O(sqrt(max(a, b))) terms; this cap covers millions of degrees of freedom.
    let maxIterations = 100_000
    let sumAB = a + b, aPlusOne = a + 1, aMinusOne = a - 1
    var c = 1.0
    var d = 1 - sumAB * x / aPlusOne
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var h = d
    for m in 1...maxIterations {
        let m = Double(m), m2 = 2 * m
        // Even step of the recurrence.
        var numerator = m * (b - m) * x / ((aMinusOne + m2) * (a + m2))
        d = 1 + numerator * d
        if abs(d) < tiny { d = tiny }
        c = 1 + numerator / c
        if abs(c) < tiny { c = tiny }
        d = 1 / d
        h *= d * c
        // Odd step.
        numerator = -(a + m) * (sumAB + m) * x / ((a + m2) * (aPlusOne + m2))
        d = 1 + numerator * d
        if abs(d) < tiny { d = tiny }
        c = 1 + numerator / c
        if abs(c) < tiny { c = tiny }
        d = 1 / d
        let delta = d * c
        h *= delta
        if abs(delta - 1) < epsilon { break }
    }
    return h
}
