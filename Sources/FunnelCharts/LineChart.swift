import Foundation

/// A data point.
public struct ChartPoint: Sendable, Hashable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// One x position of a band: the interval lower...upper drawn translucent (e.g. mean ± std).
public struct BandPoint: Sendable, Hashable {
    public var x: Double
    public var lower: Double
    public var upper: Double

    public init(x: Double, lower: Double, upper: Double) {
        self.x = x
        self.lower = lower
        self.upper = upper
    }
}

/// A named line: points joined in order (a non-finite y breaks the line), with an optional band.
public struct LineSeries: Sendable, Hashable {
    public var name: String
    public var points: [ChartPoint]
    public var band: [BandPoint]?
    /// nil takes the next palette colour.
    public var color: Color?
    /// nil: solid, or a dash that tells apart series whose palette colour repeats.
    public var dash: LineDash?
    public var marker: MarkerShape?
    public var lineWidth: Double?
    public var showInLegend: Bool

    public init(_ name: String, points: [ChartPoint], band: [BandPoint]? = nil, color: Color? = nil,
                dash: LineDash? = nil, marker: MarkerShape? = nil, lineWidth: Double? = nil, showInLegend: Bool = true) {
        self.name = name
        self.points = points
        self.band = band
        self.color = color
        self.dash = dash
        self.marker = marker
        self.lineWidth = lineWidth
        self.showInLegend = showInLegend
    }

    /// From parallel arrays; `lower` and `upper` (same length as `x`) make the band.
    public init(_ name: String, x: [Double], y: [Double], lower: [Double]? = nil, upper: [Double]? = nil,
                color: Color? = nil, dash: LineDash? = nil, marker: MarkerShape? = nil) {
        precondition(x.count == y.count, "[LineSeries] '\(name)': \(x.count) x values but \(y.count) y values")
        var band: [BandPoint]?
        if let lower, let upper {
            precondition(lower.count == x.count && upper.count == x.count,
                         "[LineSeries] '\(name)': band needs \(x.count) lower and upper values, got \(lower.count) and \(upper.count)")
            band = (0..<x.count).map { BandPoint(x: x[$0], lower: lower[$0], upper: upper[$0]) }
        }
        self.init(name, points: zip(x, y).map { ChartPoint(x: $0, y: $1) }, band: band, color: color, dash: dash, marker: marker)
    }

    /// Mean ± `k` standard deviations as line and band, e.g. a metric over seeds.
    public static func meanAndSpread(_ name: String, x: [Double], mean: [Double], std: [Double], k: Double = 1,
                                     color: Color? = nil, dash: LineDash? = nil, marker: MarkerShape? = nil) -> LineSeries {
        LineSeries(name, x: x, y: mean, lower: zip(mean, std).map { $0 - k * $1 }, upper: zip(mean, std).map { $0 + k * $1 },
                   color: color, dash: dash, marker: marker)
    }
}

/// Several named series against shared axes: training curves, accuracy against epochs, an
/// activation and its derivative.
///
/// Lines and bands are clipped to the plot in geometry (no SVG clip paths, so ids never clash
/// when many charts are inlined in one HTML page).
public struct LineChart: Chart {
    public var title: String?
    public var subtitle: String?
    public var series: [LineSeries]
    public var xAxis: ChartAxis
    public var yAxis: ChartAxis
    public var size: ChartSize
    /// nil computes margins from labels and titles; set to fix the plot rectangle exactly.
    public var margins: ChartInsets?
    /// Where the legend goes; under `.auto` a chart with a single series has none.
    public var legend: LegendPlacement
    public var references: [ReferenceLine]
    public var style: ChartStyle

    public init(title: String? = nil, subtitle: String? = nil, series: [LineSeries],
                xAxis: ChartAxis = ChartAxis(), yAxis: ChartAxis = ChartAxis(),
                size: ChartSize = ChartSize(width: 640, height: 400), margins: ChartInsets? = nil,
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

    public var accessibilityLabel: String { title ?? "line chart" }

    /// Colour, dash and width each series is drawn with.
    struct Resolved {
        var color: Color
        var dash: LineDash
        var width: Double
    }

    func resolvedSeries() -> [Resolved] {
        series.enumerated().map { index, s in
            Resolved(color: s.color ?? style.seriesColor(index),
                     dash: s.dash ?? (s.color == nil ? LineDash.cycle(style.dashCycle(index)) : .solid),
                     width: s.lineWidth ?? style.lineWidth)
        }
    }

    /// One entry per series shown in the legend; none for a lone series under `.auto` (the title
    /// says what it is).
    var legendEntries: [LegendEntry] {
        let entries = zip(series, resolvedSeries()).compactMap { s, r in
            s.showInLegend ? LegendEntry(s.name, color: r.color, symbol: .line(r.dash, marker: s.marker, band: s.band != nil)) : nil
        }
        return legend == .auto && entries.count == 1 ? [] : entries
    }

    /// Widest series name, for line-end labels.
    private var directLabelWidth: Double {
        let widest = series.filter(\.showInLegend).map { TextMetrics.width($0.name, fontSize: style.legendSize) }.max() ?? 0
        return widest > 0 ? widest + 10 : 0
    }

    /// Plot rectangle and scales (exposed to tests).
    func layout() -> CartesianLayout {
        let logX = xAxis.kind == .log
        let logY = yAxis.kind == .log
        var xs: [Double] = references.compactMap(\.xValue)
        var ys: [Double] = references.compactMap(\.yValue)
        for s in series {
            for p in s.points where p.x.isFinite && p.y.isFinite {
                xs.append(p.x)
                ys.append(p.y)
            }
            for b in s.band ?? [] {
                xs.append(b.x)
                ys.append(b.lower)
                ys.append(b.upper)
            }
        }
        let spec = CartesianSpec(
            size: size, margins: margins, style: style, title: title, subtitle: subtitle,
            xAxis: xAxis, yAxis: yAxis,
            xExtent: extent(of: xs, positiveOnly: logX), yExtent: extent(of: ys, positiveOnly: logY),
            legend: legend, entries: legendEntries,
            extraRight: legend == .lineEnds ? directLabelWidth : 0,
            yPadding: 0.03
        )
        return CartesianLayout.resolve(spec) { layout in obstacles(in: layout) }
    }

    private func pixelRuns(_ s: LineSeries, _ layout: CartesianLayout) -> [[PixelPoint]] {
        var runs: [[PixelPoint]] = []
        var current: [PixelPoint] = []
        for p in s.points {
            let valid = p.x.isFinite && p.y.isFinite && (xAxis.kind == .linear || p.x > 0) && (yAxis.kind == .linear || p.y > 0)
            if valid {
                current.append(layout.pixel(p.x, p.y))
            } else if !current.isEmpty {
                runs.append(current)
                current = []
            }
        }
        if !current.isEmpty { runs.append(current) }
        return runs.flatMap { Clip.polyline($0, to: layout.plot) }.map { Simplify.polyline($0, tolerance: 0.1) }
    }

    private func bandPolygon(_ band: [BandPoint], _ layout: CartesianLayout) -> [PixelPoint] {
        let valid = band.filter { $0.x.isFinite && $0.lower.isFinite && $0.upper.isFinite }
        guard valid.count > 1 else { return [] }
        let upper = valid.map { layout.pixel($0.x, $0.upper) }
        let lower = valid.reversed().map { layout.pixel($0.x, $0.lower) }
        return Clip.polygon(upper + lower, to: layout.plot)
    }

    /// What the legend must not cover: the data and the reference-line labels.
    private func obstacles(in layout: CartesianLayout) -> [Obstacle] {
        let data = dataObstacles(in: layout)
        let labels = ReferenceLine.placeLabels(references, layout: layout, style: style, avoiding: data)
        return data + labels.compactMap { $0.map { Obstacle.rect($0.box) } }
    }

    private func dataObstacles(in layout: CartesianLayout) -> [Obstacle] {
        var result: [Obstacle] = []
        for s in series {
            for run in pixelRuns(s, layout) {
                for i in 1..<max(1, run.count) { result.append(.segment(run[i - 1], run[i])) }
                if run.count == 1 { result.append(.point(run[0], radius: style.markerRadius)) }
            }
            if s.marker != nil {
                for p in s.points where p.x.isFinite && p.y.isFinite {
                    result.append(.point(layout.pixel(p.x, p.y), radius: style.markerRadius + 1))
                }
            }
            if let band = s.band {
                let polygon = bandPolygon(band, layout)
                if polygon.count > 2 { result.append(.polygon(polygon)) }
            }
        }
        return result
    }

    public func draw(into svg: inout SVGWriter) {
        let layout = layout()
        let resolved = resolvedSeries()
        let style = self.style
        Draw.background(&svg, size: size, style: style)
        Draw.title(&svg, title: title, subtitle: subtitle, x: CartesianLayout.outerPad + 2, top: CartesianLayout.outerPad, style: style)
        layout.drawGrid(&svg, style: style)
        let referenceLabels = ReferenceLine.placeLabels(references, layout: layout, style: style, avoiding: dataObstacles(in: layout))
        ReferenceLine.draw(references, labels: referenceLabels, &svg, layout: layout, style: style)

        svg.group([("class", "bands")]) { svg in
            for (s, r) in zip(series, resolved) {
                guard let band = s.band else { continue }
                let polygon = bandPolygon(band, layout)
                guard polygon.count > 2 else { continue }
                var d = PathData()
                d.polyline(polygon)
                d.closePath()
                svg.element("path", [
                    "class": "band", "d": d.text, "fill": r.color.hex, "fill-opacity": svgNumber(style.bandOpacity), "stroke": "none",
                ])
            }
        }
        svg.group([("class", "lines"), ("fill", "none"), ("stroke-linejoin", "round"), ("stroke-linecap", "round")]) { svg in
            for (s, r) in zip(series, resolved) {
                var d = PathData()
                for run in pixelRuns(s, layout) { d.polyline(run) }
                guard !d.isEmpty else { continue }
                var attributes: [(String, String)] = [
                    ("class", "series"), ("data-name", s.name), ("d", d.text), ("stroke", r.color.hex), ("stroke-width", svgNumber(r.width)),
                ]
                if let pattern = r.dash.pattern(width: r.width) { attributes.append(("stroke-dasharray", pattern)) }
                svg.element("path", attributes: attributes)
            }
        }
        svg.group([("class", "markers")]) { svg in
            for (s, r) in zip(series, resolved) {
                guard let marker = s.marker else { continue }
                for p in s.points where p.x.isFinite && p.y.isFinite {
                    let q = layout.pixel(p.x, p.y)
                    guard layout.plot.expanded(by: 0.5).contains(q) else { continue }
                    Draw.marker(&svg, marker, at: q, radius: style.markerRadius, fill: r.color.hex, stroke: "#ffffff")
                }
            }
        }
        layout.drawAxes(&svg, style: style, xTitle: xAxis.title, yTitle: yAxis.title)
        if legend == .lineEnds {
            drawLineEndLabels(&svg, layout: layout, resolved: resolved)
        } else {
            layout.drawLegend(&svg, entries: legendEntries, style: style)
        }
    }

    /// Each series' name right of the plot, level with its last visible point, nudged apart so
    /// labels never overlap.
    private func drawLineEndLabels(_ svg: inout SVGWriter, layout: CartesianLayout, resolved: [Resolved]) {
        struct Label {
            var name: String
            var color: Color
            var y: Double
        }
        var labels: [Label] = []
        for (s, r) in zip(series, resolved) where s.showInLegend {
            guard let last = pixelRuns(s, layout).last?.last else { continue }
            labels.append(Label(name: s.name, color: r.color, y: last.y))
        }
        let spacing = style.legendSize + 3
        let sortedLabels = labels.enumerated().sorted { ($0.element.y, $0.offset) < ($1.element.y, $1.offset) }.map(\.element)
        var ys = sortedLabels.map(\.y)
        // Push down to make room, then pull back up from the bottom edge.
        for i in ys.indices.dropFirst() where ys[i] < ys[i - 1] + spacing { ys[i] = ys[i - 1] + spacing }
        if let last = ys.last, last > layout.plot.maxY {
            ys[ys.count - 1] = layout.plot.maxY
            for i in stride(from: ys.count - 2, through: 0, by: -1) where ys[i] > ys[i + 1] - spacing { ys[i] = ys[i + 1] - spacing }
        }
        svg.group([("class", "line-labels"), ("font-size", svgNumber(style.legendSize))]) { svg in
            for (label, y) in zip(sortedLabels, ys) {
                svg.text(label.name, x: layout.plot.maxX + 6, y: y + style.legendSize * 0.35, attributes: [("fill", label.color.hex)])
            }
        }
    }
}
