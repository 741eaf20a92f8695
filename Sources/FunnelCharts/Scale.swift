import Foundation

/// Maps the data values of one axis to pixels and chooses the ticks to label.
protocol Scale: Sendable {
    /// The data interval shown, from pixel `start` to pixel `end`.
    var domain: ClosedRange<Double> { get }
    /// Pixel position of `value` (outside the domain it extrapolates).
    func position(_ value: Double) -> Double
    /// Labelled tick values inside the domain, ascending.
    func ticks() -> [Double]
    /// Unlabelled ticks for faint gridlines.
    func minorTicks() -> [Double]
    /// One label per tick.
    func tickLabels() -> [String]
    /// Whether `value` can be drawn (finite; positive on a log scale).
    func accepts(_ value: Double) -> Bool
}

/// A linear scale whose ticks fall on 1, 2 or 5 times a power of ten.
struct LinearScale: Scale {
    var domain: ClosedRange<Double>
    var start: Double
    var end: Double
    /// The number of ticks to aim for; the result has between about half and twice as many.
    var tickCount: Int
    var format: NumberFormat

    /// An empty domain (lower == upper) is widened by ±1, or ±10 % of its value.
    init(domain: ClosedRange<Double>, start: Double = 0, end: Double = 1, tickCount: Int = 5, format: NumberFormat = .auto) {
        let v = domain.lowerBound, pad = v == 0 ? 1 : abs(v) * 0.1
        self.domain = domain.lowerBound == domain.upperBound ? (v - pad)...(v + pad) : domain
        (self.start, self.end, self.tickCount, self.format) = (start, end, max(1, tickCount), format)
    }

    func position(_ value: Double) -> Double {
        start + (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound) * (end - start)
    }

    func accepts(_ value: Double) -> Bool { value.isFinite }

    /// The spacing of ``ticks()``.
    var tickStep: Double { Step.nice(span: domain.upperBound - domain.lowerBound, count: tickCount).value }

    func ticks() -> [Double] {
        let span = domain.upperBound - domain.lowerBound
        guard span > 0, span.isFinite else { return [domain.lowerBound] }
        let step = Step.nice(span: span, count: tickCount)
        let first = ceil(domain.lowerBound / step.value - 1e-9), last = floor(domain.upperBound / step.value + 1e-9)
        guard last >= first, last - first < 10_000 else { return [] }
        return stride(from: first, through: last, by: 1).map(step.multiple)
    }

    func minorTicks() -> [Double] { [] }

    func tickLabels() -> [String] { format.labels(ticks(), step: tickStep) }

    /// The domain widened outwards to whole tick steps, so the axis starts and ends on a labelled
    /// tick (0.013...0.97 becomes 0...1).
    func niced() -> LinearScale {
        var copy = self
        for _ in 0..<10 {
            let step = Step.nice(span: copy.domain.upperBound - copy.domain.lowerBound, count: tickCount)
            let rounded = step.floor(copy.domain.lowerBound)...step.ceil(copy.domain.upperBound)
            if rounded == copy.domain { break }
            copy.domain = rounded
        }
        return copy
    }

    /// A step of `mantissa` (1, 2 or 5) times 10^`exponent`, kept apart so that multiples are exact
    /// integers divided by a power of ten (3 steps of 0.1 are 0.3, not 0.30000000000000004).
    struct Step {
        var mantissa: Int
        var exponent: Int

        var value: Double { multiple(1) }

        func multiple(_ k: Double) -> Double { decimal(k * Double(mantissa), exponent) }

        func floor(_ v: Double) -> Double { multiple(Foundation.floor(v / value + 1e-9)) }

        func ceil(_ v: Double) -> Double { multiple(Foundation.ceil(v / value - 1e-9)) }

        /// The 1-2-5 step that divides `span` into about `count` parts.
        static func nice(span: Double, count: Int) -> Step {
            let raw = max(span, Double.leastNormalMagnitude) / Double(max(1, count))
            let exponent = Int(Foundation.floor(log10(raw)))
            let error = raw / pow(10, Double(exponent))
            if error >= 50.0.squareRoot() { return Step(mantissa: 1, exponent: exponent + 1) }
            return Step(mantissa: error >= 10.0.squareRoot() ? 5 : error >= 2.0.squareRoot() ? 2 : 1, exponent: exponent)
        }
    }
}

/// A base-10 logarithmic scale with ticks on decades, and on 2 and 5 as well when the domain
/// spans two decades or less.
struct LogScale: Scale {
    var domain: ClosedRange<Double>
    var start: Double
    var end: Double
    var tickCount: Int
    var format: NumberFormat

    /// - Precondition: the domain is positive.
    init(domain: ClosedRange<Double>, start: Double = 0, end: Double = 1, tickCount: Int = 5, format: NumberFormat = .auto) {
        precondition(domain.lowerBound > 0, "[LogScale] domain must be positive, got \(domain)")
        self.domain = domain.lowerBound == domain.upperBound ? (domain.lowerBound / 10)...(domain.upperBound * 10) : domain
        (self.start, self.end, self.tickCount, self.format) = (start, end, max(1, tickCount), format)
    }

    func position(_ value: Double) -> Double {
        guard value > 0 else { return start }
        let low = log10(domain.lowerBound), high = log10(domain.upperBound)
        return start + (log10(value) - low) / (high - low) * (end - start)
    }

    func accepts(_ value: Double) -> Bool { value.isFinite && value > 0 }

    func ticks() -> [Double] {
        let decades = decadeRange()
        let steps = multiples([1, 2, 5], of: decades)
        if log10(domain.upperBound / domain.lowerBound) <= 2 + 1e-9 && steps.count >= 2 && steps.count <= max(4, 2 * tickCount) {
            return steps
        }
        let every = max(1, Int((Double(decades.count) / Double(tickCount)).rounded(.up)))
        let values = decades.filter { $0 % every == 0 }.map { decimal(1, $0) }.filter(contains)
        if values.count >= 2 { return values }
        if steps.count >= 2 { return steps }
        return values.isEmpty ? [domain.lowerBound, domain.upperBound] : values
    }

    /// 2...9 of each decade, unless there are too many decades to see them.
    func minorTicks() -> [Double] {
        guard decadeRange().count <= 2 * tickCount + 2 else { return [] }
        let major = Set(ticks())
        return multiples((1...9).map(Double.init), of: decadeRange()).filter { !major.contains($0) }
    }

    func tickLabels() -> [String] { ticks().map(format.string) }

    /// The domain widened outwards to the nearest of `mantissas` times a power of ten: to whole
    /// decades (0.0003...0.07 becomes 0.0001...0.1), or to 1, 2 or 5 (0.15...2.3 becomes 0.1...5,
    /// less empty space when the data span a decade or two).
    func niced(to mantissas: [Double] = [1]) -> LogScale {
        let lowExponent = Int(floor(log10(domain.lowerBound) + 1e-9)), highExponent = Int(floor(log10(domain.upperBound) - 1e-9))
        let low = mantissas.map { decimal($0, lowExponent) }.filter { $0 <= domain.lowerBound * (1 + 1e-9) }.max() ?? decimal(1, lowExponent)
        let high = (mantissas + [10]).map { decimal($0, highExponent) }.filter { $0 >= domain.upperBound * (1 - 1e-9) }.min()!
        var copy = self
        copy.domain = low...(high > low ? high : low * 10)
        return copy
    }

    /// Exponents of the decades inside the domain.
    private func decadeRange() -> ClosedRange<Int> {
        let low = Int(ceil(log10(domain.lowerBound) - 1e-9)), high = Int(floor(log10(domain.upperBound) + 1e-9))
        return low...max(low, high)
    }

    /// `mantissas` times each power of ten from one below `decades` to its top, inside the domain.
    private func multiples(_ mantissas: [Double], of decades: ClosedRange<Int>) -> [Double] {
        ((decades.lowerBound - 1)...decades.upperBound).flatMap { e in mantissas.map { decimal($0, e) } }.filter(contains)
    }

    private func contains(_ v: Double) -> Bool {
        v >= domain.lowerBound * (1 - 1e-9) && v <= domain.upperBound * (1 + 1e-9)
    }
}

/// `mantissa` * 10^`exponent`, computed so that decimals are the nearest doubles (1e-3 is 0.001),
/// and never -0.
func decimal(_ mantissa: Double, _ exponent: Int) -> Double {
    let result = exponent >= 0 ? mantissa * pow(10, Double(exponent)) : mantissa / pow(10, Double(-exponent))
    return result == 0 ? 0 : result
}
