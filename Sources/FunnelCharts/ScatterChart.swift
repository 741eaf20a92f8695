import Foundation

/// One point of a scatter chart, with an optional label and symmetric error bars.
public struct ScatterPoint: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public var label: String?
    /// Half-width of the horizontal error bar (x ± xError).
    public var xError: Double?
    /// Half-height of the vertical error bar (y ± yError).
    public var yError: Double?

    public init(x: Double, y: Double, label: String? = nil, xError: Double? = nil, yError: Double? = nil) {
        self.x = x
        self.y = y
        self.label = label
        self.xError = xError
        self.yError = yError
    }
}

/// A named group of scatter points.
public struct ScatterSeries: Sendable, Hashable {
    public enum Style: Sendable, Hashable {
        /// Markers with white outlines, labels and error bars.
        case markers
        /// Thousands of small translucent dots (labels and error bars are not drawn): where dots
        /// pile up the colour deepens, so density shows.
        case dense(radius: Double, opacity: Double)

        /// Dots of radius 1.3 at 25 % opacity.
        public static let dense = Style.dense(radius: 1.3, opacity: 0.25)
    }

    public var name: String
    public var points: [ScatterPoint]
    public var color: Color?
    public var marker: MarkerShape
    public var style: Style
    public var showInLegend: Bool

    public init(_ name: String, points: [ScatterPoint], color: Color? = nil, marker: MarkerShape = .circle,
                style: Style = .markers, showInLegend: Bool = true) {
        self.name = name
        self.points = points
        self.color = color
        self.marker = marker
        self.style = style
        self.showInLegend = showInLegend
    }

    /// A dense cloud from parallel arrays, e.g. activation input against output.
    /// - Parameter maxPoints: keep at most this many, taken at an even stride (deterministic).
    public static func dense(_ name: String, x: [Double], y: [Double], color: Color? = nil,
                             radius: Double = 1.3, opacity: Double = 0.25, maxPoints: Int = 20_000) -> ScatterSeries {
        precondition(x.count == y.count, "[ScatterSeries] '\(name)': \(x.count) x values but \(y.count) y values")
        let count = x.count
        let stride = max(1, Int((Double(count) / Double(max(1, maxPoints))).rounded(.up)))
        var points: [ScatterPoint] = []
        points.reserveCapacity(count / stride + 1)
        for i in Swift.stride(from: 0, to: count, by: stride) {
            points.append(ScatterPoint(x: x[i], y: y[i]))
        }
        return ScatterSeries(name, points: points, color: color, style: .dense(radius: radius, opacity: opacity))
    }
}

/// Points in x-y: labelled points with error bars (step time against accuracy, one per
/// activation), or dense clouds (an activation's input against its output).
public struct ScatterChart: Chart {
    public var title: String?
    public var subtitle: String?
    public var series: [ScatterSeries]
    public var xAxis: ChartAxis
    public var yAxis: ChartAxis
    public var size: ChartSize
    public var margins: ChartInsets?
    /// A legend appears when there is more than one series in it.
    public var legend: LegendPlacement
    public var references: [ReferenceLine]
    public var style: ChartStyle

    public init(title: String? = nil, subtitle: String? = nil, series: [ScatterSeries],
                xAxis: ChartAxis = ChartAxis(), yAxis: ChartAxis = ChartAxis(),
                size: ChartSize = ChartSize(width: 640, height: 420), margins: ChartInsets? = nil,
                legend: LegendPlacement = .auto, references: [ReferenceLine] = [], style: ChartStyle = .standard) {
        self.title = title
        self.subtitle = subtitle
        self.series = series
        self.xAxis = xAxis
        self.yAxis = yAxis
        self.size = size
        self.margins = margins
        self.legend = legend
        self.references = references
        self.style = style
    }

    public var accessibilityLabel: String { title ?? "scatter chart" }

    func color(_ index: Int) -> Color {
        series[index].color ?? style.seriesColor(index)
    }

    var legendEntries: [LegendEntry] {
        let shown = series.indices.filter { series[$0].showInLegend }
        guard shown.count > 1 else { return [] }
        return shown.map { LegendEntry(series[$0].name, color: color($0), symbol: .marker(series[$0].marker)) }
    }

    private func usable(_ p: ScatterPoint) -> Bool {
        p.x.isFinite && p.y.isFinite && (xAxis.kind == .linear || p.x > 0) && (yAxis.kind == .linear || p.y > 0)
    }

    func layout() -> CartesianLayout {
        var xs: [Double] = references.compactMap(\.xValue)
        var ys: [Double] = references.compactMap(\.yValue)
        for s in series {
            for p in s.points where p.x.isFinite && p.y.isFinite {
                xs.append(p.x)
                ys.append(p.y)
                if case .markers = s.style {
                    if let e = p.xError, e.isFinite {
                        xs.append(p.x - e)
                        xs.append(p.x + e)
                    }
                    if let e = p.yError, e.isFinite {
                        ys.append(p.y - e)
                        ys.append(p.y + e)
                    }
                }
            }
        }
        let spec = CartesianSpec(
            size: size, margins: margins, style: style, title: title, subtitle: subtitle, xAxis: xAxis, yAxis: yAxis,
            xExtent: extent(of: xs, positiveOnly: xAxis.kind == .log), yExtent: extent(of: ys, positiveOnly: yAxis.kind == .log),
            legend: legend == .lineEnds ? .right : legend, entries: legendEntries,
            xPadding: 0.04, yPadding: 0.04
        )
        return CartesianLayout.resolve(spec) { layout in
            let labels = placeLabels(layout)
            return markerObstacles(layout) + errorBarObstacles(layout)
                + labels.points.map { .rect($0.box) } + labels.references.compactMap { $0.map { .rect($0.box) } }
        }
    }

    private func markerObstacles(_ layout: CartesianLayout) -> [Obstacle] {
        var result: [Obstacle] = []
        for s in series {
            let radius: Double
            switch s.style {
            case .markers: radius = style.markerRadius + 1.5
            case let .dense(r, _): radius = r
            }
            for p in s.points where usable(p) {
                let q = layout.pixel(p.x, p.y)
                if layout.plot.contains(q) { result.append(.point(q, radius: radius)) }
            }
        }
        return result
    }

    private func errorBarObstacles(_ layout: CartesianLayout) -> [Obstacle] {
        var result: [Obstacle] = []
        for s in series {
            guard case .markers = s.style else { continue }
            for p in s.points where usable(p) {
                if let e = p.yError, e.isFinite, e > 0 {
                    result.append(.segment(layout.pixel(p.x, p.y - e), layout.pixel(p.x, p.y + e)))
                }
                if let e = p.xError, e.isFinite, e > 0 {
                    result.append(.segment(layout.pixel(p.x - e, p.y), layout.pixel(p.x + e, p.y)))
                }
            }
        }
        return result
    }

    /// Reference-line labels (placed first, clear of the data), then point labels: for each
    /// labelled point the first of eight positions around it that stays in the plot and clear of
    /// markers, error bars and earlier labels, else the least crowded one.
    func placeLabels(_ layout: CartesianLayout) -> (points: [PlacedText], references: [PlacedText?]) {
        let data = markerObstacles(layout) + errorBarObstacles(layout)
        let referenceLabels = ReferenceLine.placeLabels(references, layout: layout, style: style, avoiding: data)
        var weighted: [(Obstacle, weight: Int)] = data.map { ($0, 10) }
        weighted += ReferenceLine.obstacles(references, layout: layout).map { ($0, 1) }
        let fontSize = style.annotationSize
        let gap = style.markerRadius + 3
        var placed: [PlacedText] = referenceLabels.compactMap { $0 }
        var points: [PlacedText] = []
        for s in series {
            guard case .markers = s.style else { continue }
            for p in s.points where usable(p) {
                guard let text = p.label, !text.isEmpty else { continue }
                let q = layout.pixel(p.x, p.y)
                guard layout.plot.contains(q) else { continue }
                let mid = fontSize * 0.35
                let diagonal = gap * 0.75
                let candidates = [
                    PlacedText(text, anchor: "start", x: q.x + gap, y: q.y + mid, fontSize: fontSize),
                    PlacedText(text, anchor: "end", x: q.x - gap, y: q.y + mid, fontSize: fontSize),
                    PlacedText(text, anchor: "start", x: q.x + diagonal, y: q.y - diagonal - 2, fontSize: fontSize),
                    PlacedText(text, anchor: "start", x: q.x + diagonal, y: q.y + diagonal + fontSize * 0.8, fontSize: fontSize),
                    PlacedText(text, anchor: "end", x: q.x - diagonal, y: q.y - diagonal - 2, fontSize: fontSize),
                    PlacedText(text, anchor: "end", x: q.x - diagonal, y: q.y + diagonal + fontSize * 0.8, fontSize: fontSize),
                    PlacedText(text, anchor: "middle", x: q.x, y: q.y - gap - 3, fontSize: fontSize),
                    PlacedText(text, anchor: "middle", x: q.x, y: q.y + gap + fontSize * 0.8, fontSize: fontSize),
                ]
                if let best = PlacedText.best(of: candidates, plot: layout.plot, obstacles: weighted, placed: placed) {
                    placed.append(best)
                    points.append(best)
                }
            }
        }
        return (points, referenceLabels)
    }

    public func draw(into svg: inout SVGWriter) {
        let layout = layout()
        let style = self.style
        Draw.background(&svg, size: size, style: style)
        Draw.title(&svg, title: title, subtitle: subtitle, x: CartesianLayout.outerPad + 2, top: CartesianLayout.outerPad, style: style)
        layout.drawGrid(&svg, style: style)
        let labels = placeLabels(layout)
        ReferenceLine.draw(references, labels: labels.references, &svg, layout: layout, style: style)
        let plot = layout.plot

        // Dense clouds first, so marker series stay on top.
        for (index, s) in series.enumerated() {
            guard case let .dense(radius, opacity) = s.style else { continue }
            svg.group([("class", "dense"), ("data-name", s.name), ("fill", color(index).hex), ("fill-opacity", svgNumber(opacity))]) { svg in
                let r = svgNumber(radius)
                for p in s.points where usable(p) {
                    let q = layout.pixel(p.x, p.y)
                    guard plot.contains(q) else { continue }
                    svg.raw("<circle cx=\"" + svgNumber(q.x) + "\" cy=\"" + svgNumber(q.y) + "\" r=\"" + r + "\"/>\n")
                }
            }
        }
        for (index, s) in series.enumerated() {
            guard case .markers = s.style else { continue }
            let c = color(index)
            var bars = PathData()
            let cap = 3.0
            for p in s.points where usable(p) {
                if let e = p.yError, e.isFinite, e > 0 {
                    let a = layout.pixel(p.x, p.y - e)
                    let b = layout.pixel(p.x, p.y + e)
                    if let (u, v) = Clip.segment(a, b, to: plot) {
                        bars.move(u)
                        bars.line(v)
                        for end in [a, b] where plot.contains(end) {
                            bars.move(PixelPoint(x: end.x - cap, y: end.y))
                            bars.line(PixelPoint(x: end.x + cap, y: end.y))
                        }
                    }
                }
                if let e = p.xError, e.isFinite, e > 0 {
                    let a = layout.pixel(p.x - e, p.y)
                    let b = layout.pixel(p.x + e, p.y)
                    if let (u, v) = Clip.segment(a, b, to: plot) {
                        bars.move(u)
                        bars.line(v)
                        for end in [a, b] where plot.contains(end) {
                            bars.move(PixelPoint(x: end.x, y: end.y - cap))
                            bars.line(PixelPoint(x: end.x, y: end.y + cap))
                        }
                    }
                }
            }
            if !bars.isEmpty {
                svg.element("path", ["class": "error-bars", "d": bars.text, "stroke": c.hex, "stroke-width": "1.3", "stroke-opacity": "0.75", "fill": "none"])
            }
            svg.group([("class", "points"), ("data-name", s.name)]) { svg in
                for p in s.points where usable(p) {
                    let q = layout.pixel(p.x, p.y)
                    guard plot.contains(q) else { continue }
                    Draw.marker(&svg, s.marker, at: q, radius: style.markerRadius + 0.5, fill: c.hex, stroke: "#ffffff")
                }
            }
        }
        if !labels.points.isEmpty {
            svg.group([("class", "point-labels"), ("font-size", svgNumber(style.annotationSize)), ("fill", style.textColor.hex)]) { svg in
                for label in labels.points { label.draw(&svg) }
            }
        }
        layout.drawAxes(&svg, style: style, xTitle: xAxis.title, yTitle: yAxis.title)
        layout.drawLegend(&svg, entries: legendEntries, style: style)
    }
}
