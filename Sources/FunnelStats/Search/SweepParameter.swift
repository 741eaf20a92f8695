import Foundation

/// One hyper-parameter of a sweep and the values it may take, as a W&B sweep file's `parameters` entry.
public struct SweepParameter: Sendable, Hashable {
    /// The name runs receive it under.
    public let name: String
    /// Its values.
    public let domain: Domain

    /// The values a parameter may take.
    public enum Domain: Sendable, Hashable {
        /// `value: x`: always x.
        case constant(SweepValue)
        /// `values: [...]`, optionally with `probabilities` (used by random sampling; nil means equal).
        case categorical([SweepValue], probabilities: [Double]?)
        /// `min`/`max` with a `distribution`.
        case range(ParameterRange)
    }

    /// - Parameters:
    ///   - name: The parameter's name.
    ///   - domain: Its values.
    public init(name: String, domain: Domain) {
        self.name = name
        self.domain = domain
    }
}

/// A continuous or integer range of a sweep parameter, with the W&B distribution it is sampled from.
///
/// Every distribution here is a uniform one on some scale; `value(atUnit:)` maps u in [0, 1) through that
/// scale, so random sampling is `value(atUnit: uniform)` and the Bayesian search's encoding is its inverse
/// `unit(of:)`.
public struct ParameterRange: Sendable, Hashable {
    /// The W&B distributions of a range.
    public enum Distribution: String, Sendable, Hashable, CaseIterable {
        /// Uniform on [min, max].
        case uniform
        /// Uniform on the integers min...max.
        case intUniform = "int_uniform"
        /// `round(uniform(min, max) / q) * q`.
        case qUniform = "q_uniform"
        /// exp of uniform(min, max): min and max are natural-log exponents.
        case logUniform = "log_uniform"
        /// Log-uniform on [min, max]: min and max are values, > 0.
        case logUniformValues = "log_uniform_values"
        /// `round(log_uniform_values(min, max) / q) * q`.
        case qLogUniformValues = "q_log_uniform_values"
    }

    /// The lower bound, in the file's terms (an exponent for `log_uniform`).
    public let min: Double
    /// The upper bound, in the file's terms.
    public let max: Double
    /// How values are drawn between the bounds.
    public let distribution: Distribution
    /// The quantum of the `q_` distributions (1 by default in W&B); nil for the others.
    public let q: Double?

    /// A range. `SweepConfiguration` checks the bounds (`min < max`, positive for log values, integral for
    /// `int_uniform`), so a range read from a sweep file is always usable.
    public init(min: Double, max: Double, distribution: Distribution, q: Double? = nil) {
        self.min = min
        self.max = max
        self.distribution = distribution
        self.q = q ?? (distribution == .qUniform || distribution == .qLogUniformValues ? 1 : nil)
    }

    /// Whether values spread evenly over decades rather than over the line.
    public var isLogScale: Bool {
        distribution == .logUniform || distribution == .logUniformValues || distribution == .qLogUniformValues
    }

    /// The bounds on the scale where the distribution is uniform: the values, or their logarithms.
    private var scaledBounds: (low: Double, high: Double) {
        // Only the `_values` log distributions state their bounds as values; `log_uniform` states exponents.
        distribution == .logUniformValues || distribution == .qLogUniformValues ? (log(min), log(max)) : (min, max)
    }

    /// The value at position u in [0, 1] of the range: the inverse distribution function of the
    /// range's distribution (before quantisation), then quantised to ints or multiples of q.
    public func value(atUnit u: Double) -> SweepValue {
        let u = Swift.min(Swift.max(u, 0), 1)
        if distribution == .intUniform {
            // Each of the max - min + 1 integers owns an equal slice of [0, 1).
            let low = Int(min), count = Int(max) - low + 1
            return .int(low + Swift.min(Int(u * Double(count)), count - 1))
        }
        let (low, high) = scaledBounds
        let scaled = low + u * (high - low)
        let value = isLogScale ? exp(scaled) : scaled
        guard let q else { return .double(value) }
        return .double((value / q).rounded() * q)
    }

    /// The position in [0, 1] of a value of the range; the inverse of `value(atUnit:)` (an integer maps to
    /// the middle of its slice). Values outside the range are clamped.
    public func unit(of value: SweepValue) -> Double {
        guard let number = value.doubleValue else { return 0 }
        let u: Double
        if distribution == .intUniform {
            u = (number - min + 0.5) / (max - min + 1)
        } else {
            let (low, high) = scaledBounds
            let scaled = isLogScale ? log(Swift.max(number, .leastNormalMagnitude)) : number
            u = (scaled - low) / (high - low)
        }
        return Swift.min(Swift.max(u, 0), 1)
    }
}

extension SweepParameter {
    /// Whether the parameter has a single possible value.
    public var isConstant: Bool {
        switch domain {
        case .constant: true
        case let .categorical(values, _): values.count == 1
        case .range: false
        }
    }

    /// The value at position u in [0, 1): for a range see `ParameterRange.value(atUnit:)`; for categorical
    /// values the inverse of their cumulative distribution (equal slices unless `probabilities` is given).
    ///
    /// Drawing u uniformly gives the parameter's sampling distribution, which is all random search does.
    public func value(atUnit u: Double) -> SweepValue {
        switch domain {
        case let .constant(value):
            return value
        case let .range(range):
            return range.value(atUnit: u)
        case let .categorical(values, probabilities):
            guard let probabilities else { return values[Swift.min(Int(u * Double(values.count)), values.count - 1)] }
            let total = probabilities.reduce(0, +)
            var cumulative = 0.0
            for (value, probability) in zip(values, probabilities) {
                cumulative += probability / total
                if u < cumulative { return value }
            }
            return values[values.count - 1]
        }
    }
}
