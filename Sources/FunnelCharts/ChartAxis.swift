import Foundation

/// Configuration of one axis of a chart: title, linear or log, a fixed or automatic range, and
/// how the ticks are written.
public struct ChartAxis: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case linear
        case log
    }

    public var title: String?
    public var kind: Kind
    /// Fixed range; nil fits the data (rounded outwards to ticks when `nice`).
    public var domain: ClosedRange<Double>?
    public var format: NumberFormat
    /// Automatic ranges stretch to include zero (bar charts, counts).
    public var includeZero: Bool
    /// Target number of ticks; nil chooses from the axis length (about one per 75 px across, 55 px up).
    public var tickCount: Int?
    /// Fraction of the data span added on each side of an automatic range before rounding; nil
    /// takes the chart's default (a little headroom for lines and points, none for bars).
    public var padding: Double?
    /// Round an automatic range outwards to ticks.
    public var nice: Bool

    public init(
        _ title: String? = nil,
        kind: Kind = .linear,
        domain: ClosedRange<Double>? = nil,
        format: NumberFormat = .auto,
        includeZero: Bool = false,
        tickCount: Int? = nil,
        padding: Double? = nil,
        nice: Bool = true
    ) {
        self.title = title
        self.kind = kind
        self.domain = domain
        self.format = format
        self.includeZero = includeZero
        self.tickCount = tickCount
        self.padding = padding
        self.nice = nice
    }

    /// A logarithmic axis.
    public static func log(_ title: String? = nil, domain: ClosedRange<Double>? = nil, format: NumberFormat = .auto) -> ChartAxis {
        ChartAxis(title, kind: .log, domain: domain, format: format)
    }

    /// The scale for data spanning `extent`, mapped onto `start`...`end` pixels.
    func scale(extent: ClosedRange<Double>?, start: Double, end: Double, defaultTickCount: Int, defaultPadding: Double = 0) -> any Scale {
        let count = tickCount ?? defaultTickCount
        let padding = self.padding ?? defaultPadding
        switch kind {
        case .linear:
            if let domain {
                return LinearScale(domain: domain, start: start, end: end, tickCount: count, format: format)
            }
            var low = extent?.lowerBound ?? 0
            var high = extent?.upperBound ?? 1
            if includeZero {
                low = min(low, 0)
                high = max(high, 0)
            }
            let span = high - low
            // Padding never pushes a bound across zero: accuracies stay at or above 0 %.
            let paddedLow = low >= 0 ? max(0, low - padding * span) : low - padding * span
            let paddedHigh = high <= 0 ? min(0, high + padding * span) : high + padding * span
            guard span > 0 else {
                let single = LinearScale(domain: low...high, start: start, end: end, tickCount: count, format: format)
                return nice ? single.niced() : single
            }
            guard nice else {
                return LinearScale(domain: paddedLow...paddedHigh, start: start, end: end, tickCount: count, format: format)
            }
            var scale = LinearScale(domain: low...high, start: start, end: end, tickCount: count, format: format).niced()
            // Rounding out to whole ticks can leave much of the axis empty, and padding past them
            // would add a whole tick step: both round to a finer step instead (the ticks stay).
            let fine = LinearScale.niceStep(span: span, count: count * 5)
            let roundDown = { (v: Double) in fine.multiple(floor(v / fine.value + 1e-9)) }
            let roundUp = { (v: Double) in fine.multiple(ceil(v / fine.value - 1e-9)) }
            var domain = scale.domain
            if domain.upperBound - domain.lowerBound > 1.2 * span {
                domain = roundDown(low)...roundUp(high)
            }
            if paddedLow < domain.lowerBound { domain = roundDown(paddedLow)...domain.upperBound }
            if paddedHigh > domain.upperBound { domain = domain.lowerBound...roundUp(paddedHigh) }
            scale.domain = domain
            return scale
        case .log:
            if let domain {
                return LogScale(domain: domain, start: start, end: end, tickCount: count, format: format)
            }
            var low = extent?.lowerBound ?? 1
            var high = extent?.upperBound ?? 10
            if low <= 0 || high <= 0 {
                low = 1
                high = 10
            }
            if padding > 0 {
                let ratio = pow(high / low, padding)
                low /= ratio
                high *= ratio
            }
            let scale = LogScale(domain: low...high, start: start, end: end, tickCount: count, format: format)
            guard nice else { return scale }
            return log10(high / low) < 2 ? scale.nicedToSteps() : scale.niced()
        }
    }
}

/// The interval covered by `values` (non-finite ones ignored; log axes also ignore values <= 0).
func extent(of values: [Double], positiveOnly: Bool = false) -> ClosedRange<Double>? {
    var low = Double.infinity
    var high = -Double.infinity
    for v in values where v.isFinite && (!positiveOnly || v > 0) {
        low = min(low, v)
        high = max(high, v)
    }
    return low <= high ? low...high : nil
}
