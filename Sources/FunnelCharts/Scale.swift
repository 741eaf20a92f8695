import Foundation

/// Maps data values on one axis to pixel positions and chooses the ticks to label.
public protocol Scale: Sendable {
    /// The data interval shown.
    var domain: ClosedRange<Double> { get }
    /// Pixel position of `domain.lowerBound`.
    var start: Double { get }
    /// Pixel position of `domain.upperBound` (smaller than `start` on a y axis, which grows upwards).
    var end: Double { get }
    /// Pixel position of `value` (values outside the domain extrapolate).
    func position(_ value: Double) -> Double
    /// Labelled tick values inside the domain, ascending.
    func ticks() -> [Double]
    /// Unlabelled ticks for faint gridlines (log scales: 2...9 of each decade).
    func minorTicks() -> [Double]
    /// One label per element of ``ticks()``.
    func tickLabels() -> [String]
    /// The same scale mapped onto other pixels.
    func withPixels(start: Double, end: Double) -> Self
    /// The same scale with a different target number of ticks.
    func withTickCount(_ count: Int) -> Self
}

extension Scale {
    public func callAsFunction(_ value: Double) -> Double { position(value) }
}

/// A linear scale whose ticks fall on 1, 2 or 5 times a power of ten.
public struct LinearScale: Scale {
    public var domain: ClosedRange<Double>
    public var start: Double
    public var end: Double
    /// The number of ticks to aim for; the result has between about half and twice as many.
    public var tickCount: Int
    public var format: NumberFormat

    /// - Parameters:
    ///   - domain: data interval; an empty one (lower == upper) is widened by ±1 (or ±10 %).
    ///   - start: pixel for `domain.lowerBound`.
    ///   - end: pixel for `domain.upperBound`.
    ///   - tickCount: target number of ticks.
    ///   - format: label format.
    public init(domain: ClosedRange<Double>, start: Double = 0, end: Double = 1, tickCount: Int = 5, format: NumberFormat = .auto) {
        self.domain = LinearScale.widened(domain)
        self.start = start
        self.end = end
        self.tickCount = max(1, tickCount)
        self.format = format
    }

    public func position(_ value: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        return start + (value - domain.lowerBound) / span * (end - start)
    }

    /// The spacing of ``ticks()``.
    public var tickStep: Double {
        LinearScale.niceStep(span: domain.upperBound - domain.lowerBound, count: tickCount).value
    }

    public func ticks() -> [Double] {
        LinearScale.niceTicks(domain, count: tickCount)
    }

    public func minorTicks() -> [Double] { [] }

    public func tickLabels() -> [String] {
        format.labels(ticks(), step: tickStep)
    }

    public func withPixels(start: Double, end: Double) -> LinearScale {
        var copy = self
        copy.start = start
        copy.end = end
        return copy
    }

    public func withTickCount(_ count: Int) -> LinearScale {
        var copy = self
        copy.tickCount = max(1, count)
        return copy
    }

    /// The domain widened outwards to multiples of the tick step, so the axis starts and ends on a
    /// labelled tick (0.013...0.97 becomes 0...1).
    public func niced() -> LinearScale {
        var copy = self
        var low = domain.lowerBound
        var high = domain.upperBound
        for _ in 0..<10 {
            let step = LinearScale.niceStep(span: high - low, count: tickCount)
            let newLow = step.multiple(floor(low / step.value + 1e-9))
            let newHigh = step.multiple(ceil(high / step.value - 1e-9))
            if newLow == low && newHigh == high { break }
            low = newLow
            high = newHigh
        }
        copy.domain = low...high
        return copy
    }

    /// A step of `mantissa` (1, 2, 5 or 10) times 10^`exponent`, kept apart so that multiples are
    /// computed as exact integers divided by a power of ten (0.2 * 3 is 0.6, not 0.6000000000000001).
    struct Step {
        var mantissa: Int
        var exponent: Int

        var value: Double {
            exponent >= 0 ? Double(mantissa) * pow(10, Double(exponent)) : Double(mantissa) / pow(10, Double(-exponent))
        }

        func multiple(_ k: Double) -> Double {
            let count = k * Double(mantissa)
            let result = exponent >= 0 ? count * pow(10, Double(exponent)) : count / pow(10, Double(-exponent))
            return result == 0 ? 0 : result
        }
    }

    /// The 1-2-5 step that divides `span` into about `count` parts.
    static func niceStep(span: Double, count: Int) -> Step {
        let raw = max(span, Double.leastNormalMagnitude) / Double(max(1, count))
        var exponent = Int(floor(log10(raw)))
        let error = raw / pow(10, Double(exponent))
        var mantissa: Int
        if error >= 50.0.squareRoot() {
            mantissa = 10
        } else if error >= 10.0.squareRoot() {
            mantissa = 5
        } else if error >= 2.0.squareRoot() {
            mantissa = 2
        } else {
            mantissa = 1
        }
        if mantissa == 10 {
            mantissa = 1
            exponent += 1
        }
        return Step(mantissa: mantissa, exponent: exponent)
    }

    /// The 1-2-5 ticks inside `domain` for about `count` intervals.
    public static func niceTicks(_ domain: ClosedRange<Double>, count: Int) -> [Double] {
        let span = domain.upperBound - domain.lowerBound
        guard span > 0, span.isFinite else { return [domain.lowerBound] }
        let step = niceStep(span: span, count: count)
        let first = ceil(domain.lowerBound / step.value - 1e-9)
        let last = floor(domain.upperBound / step.value + 1e-9)
        guard last >= first, last - first < 10_000 else { return [] }
        return stride(from: first, through: last, by: 1).map { step.multiple($0) }
    }

    static func widened(_ domain: ClosedRange<Double>) -> ClosedRange<Double> {
        guard domain.lowerBound == domain.upperBound else { return domain }
        let v = domain.lowerBound
        let pad = v == 0 ? 1 : abs(v) * 0.1
        return (v - pad)...(v + pad)
    }
}

/// A base-10 logarithmic scale with ticks on decades (and on 2 and 5 when the domain spans
/// two decades or less).
public struct LogScale: Scale {
    public var domain: ClosedRange<Double>
    public var start: Double
    public var end: Double
    public var tickCount: Int
    public var format: NumberFormat

    /// - Precondition: the domain is positive.
    public init(domain: ClosedRange<Double>, start: Double = 0, end: Double = 1, tickCount: Int = 5, format: NumberFormat = .auto) {
        precondition(domain.lowerBound > 0, "[LogScale] domain must be positive, got \(domain)")
        self.domain = domain.lowerBound == domain.upperBound
            ? (domain.lowerBound / 10)...(domain.upperBound * 10) : domain
        self.start = start
        self.end = end
        self.tickCount = max(1, tickCount)
        self.format = format
    }

    public func position(_ value: Double) -> Double {
        guard value > 0 else { return start }
        let low = log10(domain.lowerBound)
        let high = log10(domain.upperBound)
        return start + (log10(value) - low) / (high - low) * (end - start)
    }

    public func ticks() -> [Double] {
        let decades = decadeRange()
        // Within two decades, 1, 2 and 5 of each decade (unless that is far too many).
        var steps: [Double] = []
        for e in (decades.lowerBound - 1)...decades.upperBound {
            for m in [1.0, 2.0, 5.0] {
                let v = LogScale.value(m, e)
                if contains(v) { steps.append(v) }
            }
        }
        let spanDecades = log10(domain.upperBound / domain.lowerBound)
        if spanDecades <= 2 + 1e-9 && steps.count >= 2 && steps.count <= max(4, 2 * tickCount) {
            return steps
        }
        var values: [Double] = []
        let every = max(1, Int((Double(decades.count) / Double(max(1, tickCount))).rounded(.up)))
        for e in decades where e % every == 0 && contains(LogScale.value(1, e)) {
            values.append(LogScale.value(1, e))
        }
        if values.count >= 2 { return values }
        if steps.count >= 2 { return steps }
        return values.isEmpty ? [domain.lowerBound, domain.upperBound] : values
    }

    public func minorTicks() -> [Double] {
        let decades = decadeRange()
        guard decades.count <= 2 * tickCount + 2 else { return [] }
        let major = Set(ticks())
        var values: [Double] = []
        for e in (decades.lowerBound - 1)...decades.upperBound {
            for m in 1...9 {
                let v = LogScale.value(Double(m), e)
                if contains(v) && !major.contains(v) { values.append(v) }
            }
        }
        return values
    }

    public func tickLabels() -> [String] {
        ticks().map(format.string)
    }

    public func withPixels(start: Double, end: Double) -> LogScale {
        var copy = self
        copy.start = start
        copy.end = end
        return copy
    }

    public func withTickCount(_ count: Int) -> LogScale {
        var copy = self
        copy.tickCount = max(1, count)
        return copy
    }

    /// The domain widened to whole decades (0.0003...0.07 becomes 0.0001...0.1).
    public func niced() -> LogScale {
        var copy = self
        copy.domain = LogScale.value(1, Int(floor(log10(domain.lowerBound) + 1e-9)))
            ... LogScale.value(1, Int(ceil(log10(domain.upperBound) - 1e-9)))
        if copy.domain.lowerBound == copy.domain.upperBound {
            copy.domain = copy.domain.lowerBound...(copy.domain.upperBound * 10)
        }
        return copy
    }

    /// The domain widened to the nearest 1, 2 or 5 times a power of ten (0.15...2.3 becomes
    /// 0.1...5): less empty space than whole decades when the data span a decade or two.
    public func nicedToSteps() -> LogScale {
        var copy = self
        let mantissas = [1.0, 2.0, 5.0, 10.0]
        let lowExponent = Int(floor(log10(domain.lowerBound) + 1e-9))
        let low = mantissas.reversed().map { LogScale.value($0, lowExponent) }.first { $0 <= domain.lowerBound * (1 + 1e-9) }
            ?? LogScale.value(1, lowExponent)
        let highExponent = Int(floor(log10(domain.upperBound) - 1e-9))
        let high = mantissas.map { LogScale.value($0, highExponent) }.first { $0 >= domain.upperBound * (1 - 1e-9) }
            ?? LogScale.value(1, highExponent + 1)
        copy.domain = low...(high > low ? high : low * 10)
        return copy
    }

    /// Exponents of the decades inside the domain.
    private func decadeRange() -> ClosedRange<Int> {
        let low = Int(ceil(log10(domain.lowerBound) - 1e-9))
        let high = Int(floor(log10(domain.upperBound) + 1e-9))
        return low...max(low, high)
    }

    private func contains(_ v: Double) -> Bool {
        v >= domain.lowerBound * (1 - 1e-9) && v <= domain.upperBound * (1 + 1e-9)
    }

    /// `mantissa` * 10^`exponent`, computed so that decimal values are the nearest doubles
    /// (1e-3 is 0.001 exactly as written in source).
    static func value(_ mantissa: Double, _ exponent: Int) -> Double {
        exponent >= 0 ? mantissa * pow(10, Double(exponent)) : mantissa / pow(10, Double(-exponent))
    }
}
