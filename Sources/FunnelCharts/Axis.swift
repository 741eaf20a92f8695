import Foundation

/// One axis of a ``Plot``: its title, whether it is linear, logarithmic or a row of categories,
/// a fixed or automatic range, and how its ticks are written.
public struct Axis: Sendable {
    public var title: String?
    /// Base-10 logarithmic rather than linear.
    public var isLog: Bool
    /// One band per name, left to right (for ``Bars``), instead of numbers; no ticks or vertical gridlines.
    public var categories: [String]?
    /// A fixed range; nil fits the data, rounded outwards to ticks.
    public var domain: ClosedRange<Double>?
    public var format: NumberFormat
    /// The number of ticks to aim for; nil: about one per 75 px across, one per 55 px up.
    public var tickCount: Int?
    /// Fraction of the data's span added on each side of an automatic range (headroom for lines
    /// and points); on a log axis, the fraction of its decades.
    public var padding: Double

    public init(_ title: String? = nil, domain: ClosedRange<Double>? = nil, format: NumberFormat = .auto, tickCount: Int? = nil, padding: Double = 0) {
        (self.title, self.isLog, self.domain, self.format, self.tickCount, self.padding) = (title, false, domain, format, tickCount, padding)
    }

    /// A logarithmic axis.
    public static func log(_ title: String? = nil, domain: ClosedRange<Double>? = nil, padding: Double = 0) -> Axis {
        var axis = Axis(title, domain: domain, padding: padding)
        axis.isLog = true
        return axis
    }

    /// A category axis: `names` left to right.
    public static func categories(_ names: [String], title: String? = nil) -> Axis {
        var axis = Axis(title)
        axis.categories = names
        return axis
    }

    /// The scale for data spanning `extent`, onto pixels `start`...`end` (a category axis spans
    /// 0...n, category i covering i...i+1).
    func scale(extent: ClosedRange<Double>?, start: Double, end: Double, defaultTickCount: Int) -> any Scale {
        let count = tickCount ?? defaultTickCount
        if let categories {
            return LinearScale(domain: 0...Double(max(1, categories.count)), start: start, end: end, tickCount: 1)
        }
        if isLog {
            if let domain { return LogScale(domain: domain, start: start, end: end, tickCount: count, format: format) }
            var (low, high) = (extent?.lowerBound ?? 1, extent?.upperBound ?? 10)
            if low <= 0 || high <= 0 { (low, high) = (1, 10) }
            let ratio = pow(high / low, padding)
            let scale = LogScale(domain: (low / ratio)...(high * ratio), start: start, end: end, tickCount: count, format: format)
            return scale.niced(to: log10(high / low) < 2 ? [1, 2, 5] : [1])
        }
        if let domain { return LinearScale(domain: domain, start: start, end: end, tickCount: count, format: format) }
        let (low, high) = (extent?.lowerBound ?? 0, extent?.upperBound ?? 1)
        let span = high - low
        var scale = LinearScale(domain: low...high, start: start, end: end, tickCount: count, format: format).niced()
        guard span > 0 else { return scale }
        // Padding never pushes a bound across zero: accuracies stay at or above 0 %.
        let paddedLow = low >= 0 ? max(0, low - padding * span) : low - padding * span
        let paddedHigh = high <= 0 ? min(0, high + padding * span) : high + padding * span
        // Rounding out to whole ticks can leave much of the axis empty, and padding past them
        // would add a whole tick step: both round to a finer step instead (the ticks stay).
        let fine = LinearScale.Step.nice(span: span, count: count * 5)
        var domain = scale.domain
        if domain.upperBound - domain.lowerBound > 1.2 * span { domain = fine.floor(low)...fine.ceil(high) }
        if paddedLow < domain.lowerBound { domain = fine.floor(paddedLow)...domain.upperBound }
        if paddedHigh > domain.upperBound { domain = domain.lowerBound...fine.ceil(paddedHigh) }
        scale.domain = domain
        return scale
    }
}

/// The interval covered by the finite `values` (and only the positive ones, for a log axis).
func extent(of values: [Double], positiveOnly: Bool) -> ClosedRange<Double>? {
    let usable = values.filter { $0.isFinite && (!positiveOnly || $0 > 0) }
    guard let low = usable.min(), let high = usable.max() else { return nil }
    return low...high
}
