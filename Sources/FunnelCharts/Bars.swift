/// Grouped bars on a category x axis (``Axis/categories(_:title:)``): in each category, one bar
/// per series side by side, standing on zero (or on the bottom of an axis that excludes zero).
public struct Bars: Mark {
    /// One bar per category; a nil value leaves a gap.
    public struct Series: Sendable {
        public var name: String
        public var values: [Double?]
        public var color: Color

        public init(_ name: String, values: [Double?], color: Color) {
            (self.name, self.values, self.color) = (name, values, color)
        }
    }

    public var series: [Series]

    public init(_ series: [Series]) {
        precondition(Set(series.map(\.values.count)).count <= 1, "[Bars] series differ in their number of categories")
        self.series = series
    }

    /// Zero is included: a bar's length is its value.
    public var extent: (x: [Double], y: [Double]) { ([], series.flatMap { $0.values.compactMap { $0 } } + [0]) }

    public var legend: [LegendEntry] { series.map { LegendEntry($0.name, color: $0.color, swatch: true) } }

    public func draw(into svg: inout SVGWriter, in area: inout PlotArea) {
        let categories = series.first?.values.count ?? 0
        let slot = area.rect.width / Double(max(1, categories))
        let groupWidth = slot * (series.count > 1 ? 0.8 : 0.6)
        let barWidth = groupWidth / Double(max(1, series.count))
        let gap = barWidth > 6 ? 1.0 : 0
        let domain = area.y.domain
        let baseline = area.y.position(area.y.accepts(0) ? min(max(0, domain.lowerBound), domain.upperBound) : domain.lowerBound)
        var rects: [(ChartRect, Series)] = []
        for (k, s) in series.enumerated() {
            for (i, value) in s.values.enumerated() {
                guard let value, value.isFinite else { continue }
                let top = min(max(area.y.position(value), area.rect.minY), area.rect.maxY)
                let left = area.rect.minX + Double(i) * slot + (slot - groupWidth) / 2 + Double(k) * barWidth + gap / 2
                rects.append((ChartRect(x: left, y: min(top, baseline), width: max(0.5, barWidth - gap), height: abs(baseline - top)), s))
            }
        }
        area.covered += rects.map { .box($0.0) }
        svg.group([("class", "bars")]) { svg in
            for (r, s) in rects {
                svg.element("rect", ["x": svgNumber(r.x), "y": svgNumber(r.y), "width": svgNumber(r.width), "height": svgNumber(r.height),
                                     "fill": s.color.hex, "data-name": s.name])
            }
        }
    }
}
