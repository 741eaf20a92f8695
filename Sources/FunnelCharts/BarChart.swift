import Foundation

/// One series of a grouped bar chart: a value (and optionally an error, e.g. the standard
/// deviation over seeds) per category.
public struct BarSeries: Sendable, Hashable {
    public var name: String
    /// One per category; nil leaves a gap.
    public var values: [Double?]
    /// Half-length of each error bar (value ± error); nil for none.
    public var errors: [Double?]?
    public var color: Color?

    public init(_ name: String, values: [Double?], errors: [Double?]? = nil, color: Color? = nil) {
        self.name = name
        self.values = values
        self.errors = errors
        self.color = color
    }
}

/// Grouped bars: categories along x (e.g. models), one bar per series in each group (e.g.
/// activations), with error bars.
///
/// The y axis includes zero by default. With a fixed y domain that excludes zero, bars start at
/// the bottom of the plot; prefer a ``ScatterChart`` with error bars (a dot plot) for small
/// differences between large values.
public struct BarChart: Chart {
    public var title: String?
    public var subtitle: String?
    public var categories: [String]
    public var series: [BarSeries]
    public var xTitle: String?
    public var yAxis: ChartAxis
    public var size: ChartSize
    public var margins: ChartInsets?
    public var legend: LegendPlacement
    /// Writes each value above its bar in this format when there is room; nil writes none.
    public var valueLabels: NumberFormat?
    public var references: [ReferenceLine]
    public var style: ChartStyle

    public init(title: String? = nil, subtitle: String? = nil, categories: [String], series: [BarSeries],
                xTitle: String? = nil, yAxis: ChartAxis = ChartAxis(includeZero: true),
                size: ChartSize = ChartSize(width: 640, height: 400), margins: ChartInsets? = nil,
                legend: LegendPlacement = .auto, valueLabels: NumberFormat? = nil,
                references: [ReferenceLine] = [], style: ChartStyle = .standard) {
        for s in series {
            precondition(s.values.count == categories.count,
                         "[BarChart] series '\(s.name)' has \(s.values.count) values for \(categories.count) categories")
            if let errors = s.errors {
                precondition(errors.count == categories.count,
                             "[BarChart] series '\(s.name)' has \(errors.count) errors for \(categories.count) categories")
            }
        }
        self.title = title
        self.subtitle = subtitle
        self.categories = categories
        self.series = series
        self.xTitle = xTitle
        self.yAxis = yAxis
        self.size = size
        self.margins = margins
        self.legend = legend
        self.valueLabels = valueLabels
        self.references = references
        self.style = style
    }

    public var accessibilityLabel: String { title ?? "bar chart" }

    func color(_ index: Int) -> Color {
        series[index].color ?? style.seriesColor(index)
    }

    var legendEntries: [LegendEntry] {
        guard series.count > 1 else { return [] }
        return series.indices.map { LegendEntry(series[$0].name, color: color($0), symbol: .swatch) }
    }

    /// Category labels are turned 35° when they do not fit side by side.
    private var labelAngle: Double {
        let available = (size.width - 100) / Double(max(1, categories.count))
        let widest = categories.map { TextMetrics.width($0, fontSize: style.tickSize) }.max() ?? 0
        return widest + 8 > available ? 35 : 0
    }

    private var categoryLabelHeight: Double {
        let angle = labelAngle
        guard angle > 0 else { return style.tickSize }
        let widest = categories.map { TextMetrics.width($0, fontSize: style.tickSize) }.max() ?? 0
        return widest * sin(angle * .pi / 180) + style.tickSize
    }

    /// Room for the first turned category label, which ends under the middle of its group and
    /// reaches left from there.
    private var minimumLeft: Double {
        let angle = labelAngle
        guard angle > 0, let first = categories.first else { return 0 }
        let slot = (size.width - 100) / Double(max(1, categories.count))
        let reach = TextMetrics.width(first, fontSize: style.tickSize) * cos(angle * .pi / 180)
        return reach - slot / 2 + CartesianLayout.outerPad
    }

    struct Bar {
        var series: Int
        var category: Int
        var rect: ChartRect
        var value: Double
        var error: Double?
    }

    func layout() -> CartesianLayout {
        var ys: [Double] = references.compactMap(\.yValue)
        for s in series {
            for (i, v) in s.values.enumerated() {
                guard let v, v.isFinite else { continue }
                ys.append(v)
                if let e = s.errors?[i] ?? nil, e.isFinite {
                    ys.append(v - e)
                    ys.append(v + e)
                }
            }
        }
        let xAxis = ChartAxis(xTitle, domain: 0...Double(max(1, categories.count)), tickCount: 1)
        let spec = CartesianSpec(
            size: size, margins: margins, style: style, title: title, subtitle: subtitle, xAxis: xAxis, yAxis: yAxis,
            xExtent: nil, yExtent: extent(of: ys, positiveOnly: yAxis.kind == .log),
            legend: legend == .lineEnds ? .right : legend, entries: legendEntries,
            categoryLabelHeight: categoryLabelHeight, minimumLeft: minimumLeft,
            yPadding: valueLabels == nil ? 0.02 : 0.1
        )
        return CartesianLayout.resolve(spec) { layout in
            bars(layout).map { Obstacle.rect($0.rect.expanded(by: 1)) } + errorObstacles(layout)
        }
    }

    /// Bar rectangles in pixels, clipped to the plot.
    func bars(_ layout: CartesianLayout) -> [Bar] {
        let n = Double(max(1, series.count))
        let slot = layout.plot.width / Double(max(1, categories.count))
        let groupWidth = slot * (series.count > 1 ? 0.8 : 0.6)
        let barWidth = groupWidth / n
        let gap = barWidth > 6 ? 1.0 : 0
        let domain = layout.y.domain
        let baselineValue = yAxis.kind == .log ? domain.lowerBound : min(max(0, domain.lowerBound), domain.upperBound)
        let baseline = layout.y.position(baselineValue)
        var result: [Bar] = []
        for (si, s) in series.enumerated() {
            for (ci, value) in s.values.enumerated() {
                guard let value, value.isFinite else { continue }
                let left = layout.plot.minX + Double(ci) * slot + (slot - groupWidth) / 2 + Double(si) * barWidth + gap / 2
                let top = min(max(layout.y.position(value), layout.plot.minY), layout.plot.maxY)
                let rect = ChartRect(x: left, y: min(top, baseline), width: max(0.5, barWidth - gap), height: abs(baseline - top))
                result.append(Bar(series: si, category: ci, rect: rect, value: value, error: s.errors?[ci] ?? nil))
            }
        }
        return result
    }

    private func errorObstacles(_ layout: CartesianLayout) -> [Obstacle] {
        bars(layout).compactMap { bar in
            guard let e = bar.error, e.isFinite else { return nil }
            let top = layout.y.position(bar.value + e)
            let bottom = layout.y.position(bar.value - e)
            return .segment(PixelPoint(x: bar.rect.midX, y: top), PixelPoint(x: bar.rect.midX, y: bottom))
        }
    }

    public func draw(into svg: inout SVGWriter) {
        let layout = layout()
        let style = self.style
        let plot = layout.plot
        Draw.background(&svg, size: size, style: style)
        Draw.title(&svg, title: title, subtitle: subtitle, x: CartesianLayout.outerPad + 2, top: CartesianLayout.outerPad, style: style)
        layout.drawGrid(&svg, style: style, vertical: false)
        let bars = bars(layout)
        svg.group([("class", "bars")]) { svg in
            for bar in bars {
                svg.element("rect", [
                    "x": svgNumber(bar.rect.x), "y": svgNumber(bar.rect.y),
                    "width": svgNumber(bar.rect.width), "height": svgNumber(bar.rect.height),
                    "fill": color(bar.series).hex, "data-name": series[bar.series].name,
                ])
            }
        }
        var errorPath = PathData()
        for bar in bars {
            guard let e = bar.error, e.isFinite, e > 0 else { continue }
            let a = PixelPoint(x: bar.rect.midX, y: layout.y.position(bar.value - e))
            let b = PixelPoint(x: bar.rect.midX, y: layout.y.position(bar.value + e))
            guard let (u, v) = Clip.segment(a, b, to: plot) else { continue }
            errorPath.move(u)
            errorPath.line(v)
            let cap = min(5, max(2, bar.rect.width * 0.25))
            for end in [a, b] where plot.contains(end) {
                errorPath.move(PixelPoint(x: end.x - cap, y: end.y))
                errorPath.line(PixelPoint(x: end.x + cap, y: end.y))
            }
        }
        if !errorPath.isEmpty {
            svg.element("path", ["class": "error-bars", "d": errorPath.text, "stroke": "#333333", "stroke-width": "1.2", "fill": "none"])
        }
        if let format = valueLabels {
            svg.group([("class", "value-labels"), ("font-size", svgNumber(style.annotationSize)), ("fill", style.mutedTextColor.hex), ("text-anchor", "middle")]) { svg in
                for bar in bars {
                    let text = format.string(bar.value)
                    guard TextMetrics.width(text, fontSize: style.annotationSize) <= bar.rect.width + 4 else { continue }
                    let top = bar.error.map { layout.y.position(bar.value + $0) } ?? bar.rect.minY
                    let y = max(plot.minY + style.annotationSize, min(top, bar.rect.minY) - 4)
                    svg.text(text, x: bar.rect.midX, y: y)
                }
            }
        }
        let barObstacles = bars.map { Obstacle.rect($0.rect) } + errorObstacles(layout)
        let referenceLabels = ReferenceLine.placeLabels(references, layout: layout, style: style, avoiding: barObstacles)
        ReferenceLine.draw(references, labels: referenceLabels, &svg, layout: layout, style: style)
        layout.drawAxes(&svg, style: style, xTitle: xTitle, yTitle: yAxis.title, xLabels: false, categoryLabelHeight: categoryLabelHeight)
        // Category labels under each group.
        let slot = plot.width / Double(max(1, categories.count))
        let angle = labelAngle
        svg.group([("class", "x-ticks"), ("font-size", svgNumber(style.tickSize)), ("fill", style.textColor.hex), ("text-anchor", angle > 0 ? "end" : "middle")]) { svg in
            for (i, name) in categories.enumerated() {
                let x = plot.minX + (Double(i) + 0.5) * slot
                let y = plot.maxY + CartesianLayout.tickLength + CartesianLayout.tickLabelGap + style.tickSize * 0.85
                if angle > 0 {
                    svg.text(name, x: x, y: y, attributes: [("transform", "rotate(-" + svgNumber(angle) + " " + svgNumber(x) + " " + svgNumber(y) + ")")])
                } else {
                    svg.text(name, x: x, y: y)
                }
            }
        }
        layout.drawLegend(&svg, entries: legendEntries, style: style)
    }
}
