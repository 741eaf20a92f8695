import Foundation

/// What a chart with an x and a y axis asks of the layout.
struct CartesianSpec {
    var size: ChartSize
    var margins: ChartInsets?
    var style: ChartStyle
    var title: String?
    var subtitle: String?
    var xAxis: ChartAxis
    var yAxis: ChartAxis
    var xExtent: ClosedRange<Double>?
    var yExtent: ClosedRange<Double>?
    var legend: LegendPlacement
    var entries: [LegendEntry]
    /// Extra room right of the plot (line-end labels).
    var extraRight: Double = 0
    /// Height of the x-axis labels when they are not numeric ticks (bar categories), else nil.
    var categoryLabelHeight: Double?
    /// The smallest left margin (turned category labels reach left of the plot).
    var minimumLeft: Double = 0
    /// Padding of automatic ranges for axes that set none.
    var xPadding: Double = 0
    var yPadding: Double = 0
}

/// Where a legend ended up.
enum ResolvedLegend {
    case stacked(origin: PixelPoint, backing: Bool)
    case rows(origin: PixelPoint, maxWidth: Double)
}

/// The resolved geometry of a chart with x and y axes: plot rectangle, scales and legend position.
struct CartesianLayout {
    var size: ChartSize
    var plot: ChartRect
    var x: any Scale
    var y: any Scale
    var legend: ResolvedLegend?

    static let tickLength = 5.0
    static let tickLabelGap = 3.0
    static let titleGap = 8.0
    static let outerPad = 8.0
    static let legendGap = 16.0

    private enum Reserve {
        case none
        case right(Double)
        case top(Double)
        case bottom(Double)
    }

    /// Lays the chart out, placing the legend as `spec.legend` asks. `obstacles` reports what the
    /// chart will draw in the plot for a given layout, so `.auto` can find a free corner.
    static func resolve(_ spec: CartesianSpec, obstacles: (CartesianLayout) -> [Obstacle]) -> CartesianLayout {
        let block = LegendBlock(entries: spec.entries, style: spec.style)
        if spec.entries.isEmpty {
            return layout(spec, reserve: .none)
        }
        switch spec.legend {
        case .none, .lineEnds:
            return layout(spec, reserve: .none)
        case .right:
            return outside(spec, block: block, side: .right(0))
        case .top:
            return outside(spec, block: block, side: .top(0))
        case .bottom:
            return outside(spec, block: block, side: .bottom(0))
        case let .inside(corner):
            var result = layout(spec, reserve: .none)
            result.legend = .stacked(origin: insideOrigin(corner, block: block, plot: result.plot), backing: true)
            return result
        case .auto:
            var result = layout(spec, reserve: .none)
            let drawn = obstacles(result)
            let pad = LegendBlock.padding
            let legendSize = block.stackedSize
            for corner in Corner.allCases {
                let origin = insideOrigin(corner, block: block, plot: result.plot)
                let box = ChartRect(x: origin.x - pad, y: origin.y - pad,
                                    width: legendSize.width + 2 * pad, height: legendSize.height + 2 * pad)
                guard result.plot.encloses(box) else { continue }
                let clearance = box.expanded(by: 3)
                if !drawn.contains(where: { $0.hits(clearance) }) {
                    result.legend = .stacked(origin: origin, backing: true)
                    return result
                }
            }
            let wideEnough = spec.size.width - legendSize.width >= 360
            return outside(spec, block: block, side: wideEnough ? .right(0) : .top(0))
        }
    }

    private static func insideOrigin(_ corner: Corner, block: LegendBlock, plot: ChartRect) -> PixelPoint {
        let size = block.stackedSize
        let inset = 8 + LegendBlock.padding
        switch corner {
        case .topLeft: return PixelPoint(x: plot.minX + inset, y: plot.minY + inset)
        case .topRight: return PixelPoint(x: plot.maxX - inset - size.width, y: plot.minY + inset)
        case .bottomLeft: return PixelPoint(x: plot.minX + inset, y: plot.maxY - inset - size.height)
        case .bottomRight: return PixelPoint(x: plot.maxX - inset - size.width, y: plot.maxY - inset - size.height)
        }
    }

    private static func outside(_ spec: CartesianSpec, block: LegendBlock, side: Reserve) -> CartesianLayout {
        switch side {
        case .right:
            var result = layout(spec, reserve: .right(block.stackedSize.width))
            result.legend = .stacked(origin: PixelPoint(x: result.plot.maxX + legendGap, y: result.plot.minY), backing: false)
            return result
        case .top, .bottom:
            let isTop: Bool
            if case .top = side { isTop = true } else { isTop = false }
            var height = block.rows(maxWidth: spec.size.width - 80).size.height
            var result = layout(spec, reserve: isTop ? .top(height) : .bottom(height))
            for _ in 0..<2 {
                let maxWidth = spec.size.width - result.plot.minX - outerPad
                let actual = block.rows(maxWidth: maxWidth).size.height
                if actual == height { break }
                height = actual
                result = layout(spec, reserve: isTop ? .top(height) : .bottom(height))
            }
            let maxWidth = spec.size.width - result.plot.minX - outerPad
            let y: Double
            if isTop {
                y = result.plot.minY - spec.style.tickSize * 0.5 - 8 - height
            } else {
                y = result.plot.maxY + axisBandHeight(spec) + 6
            }
            result.legend = .rows(origin: PixelPoint(x: result.plot.minX, y: y), maxWidth: maxWidth)
            return result
        case .none:
            return layout(spec, reserve: .none)
        }
    }

    /// Height below the plot taken by ticks, tick labels and the x-axis title.
    private static func axisBandHeight(_ spec: CartesianSpec) -> Double {
        let style = spec.style
        let labels = spec.categoryLabelHeight ?? style.tickSize
        var h = tickLength + tickLabelGap + labels + 2
        if let title = spec.xAxis.title, !title.isEmpty { h += titleGap + style.labelSize }
        return h
    }

    private static func layout(_ spec: CartesianSpec, reserve: Reserve) -> CartesianLayout {
        let style = spec.style
        let size = spec.size
        if let m = spec.margins {
            let plot = ChartRect(x: m.left, y: m.top, width: max(10, size.width - m.left - m.right),
                                 height: max(10, size.height - m.top - m.bottom))
            let (x, y) = scales(spec, plot: plot)
            return CartesianLayout(size: size, plot: plot, x: x, y: y, legend: nil)
        }
        let titleHeight = Draw.titleHeight(title: spec.title, subtitle: spec.subtitle, style: style)
        var plot = ChartRect(x: 60, y: 20 + titleHeight, width: max(10, size.width - 80), height: max(10, size.height - 70 - titleHeight))
        for _ in 0..<3 {
            let (x, y) = scales(spec, plot: plot)
            let yLabelWidth = y.tickLabels().map { TextMetrics.width(displayMinus($0), fontSize: style.tickSize) }.max() ?? 0
            let lastXLabel = spec.categoryLabelHeight == nil ? (x.tickLabels().last ?? "") : ""
            var left = outerPad + yLabelWidth + tickLength + tickLabelGap + 1
            if let title = spec.yAxis.title, !title.isEmpty { left += style.labelSize + titleGap }
            left = max(left, spec.minimumLeft)
            var right = max(14, TextMetrics.width(lastXLabel, fontSize: style.tickSize) / 2 + 6)
            var top = outerPad + 2 + titleHeight + (titleHeight > 0 ? 6 : 0) + style.tickSize * 0.5
            var bottom = axisBandHeight(spec) + outerPad
            switch reserve {
            case .none: break
            case let .right(width): right = max(right, width + legendGap + outerPad + 4)
            case let .top(height): top += height + 8
            case let .bottom(height): bottom += height + 6
            }
            right += spec.extraRight
            let next = ChartRect(x: left, y: top, width: max(10, size.width - left - right), height: max(10, size.height - top - bottom))
            if next == plot { break }
            plot = next
        }
        let (x, y) = scales(spec, plot: plot)
        return CartesianLayout(size: size, plot: plot, x: x, y: y, legend: nil)
    }

    /// Both scales for `plot`; an automatic x tick count drops until the labels no longer collide.
    private static func scales(_ spec: CartesianSpec, plot: ChartRect) -> (any Scale, any Scale) {
        let yCount = max(2, Int(plot.height / 55))
        let y = spec.yAxis.scale(extent: spec.yExtent, start: plot.maxY, end: plot.minY, defaultTickCount: yCount, defaultPadding: spec.yPadding)
        var xCount = max(2, Int(plot.width / 75))
        var x = spec.xAxis.scale(extent: spec.xExtent, start: plot.minX, end: plot.maxX, defaultTickCount: xCount, defaultPadding: spec.xPadding)
        if spec.xAxis.tickCount == nil {
            while xCount > 2 && labelsCollide(x, fontSize: spec.style.tickSize) {
                xCount -= 1
                x = spec.xAxis.scale(extent: spec.xExtent, start: plot.minX, end: plot.maxX, defaultTickCount: xCount, defaultPadding: spec.xPadding)
            }
        }
        return (x, y)
    }

    static func labelsCollide(_ scale: any Scale, fontSize: Double) -> Bool {
        let ticks = scale.ticks()
        let labels = scale.tickLabels()
        guard ticks.count > 1 else { return false }
        for i in 1..<ticks.count {
            let a = scale.position(ticks[i - 1])
            let b = scale.position(ticks[i])
            let needed = (TextMetrics.width(labels[i - 1], fontSize: fontSize) + TextMetrics.width(labels[i], fontSize: fontSize)) / 2 + 10
            if abs(b - a) < needed { return true }
        }
        return false
    }

    // MARK: - Drawing

    /// Gridlines at the major ticks (and faint ones at log minor ticks).
    func drawGrid(_ svg: inout SVGWriter, style: ChartStyle, vertical: Bool = true, horizontal: Bool = true) {
        let plot = self.plot
        let minor = style.gridColor.mixed(with: .white, fraction: 0.55)
        var majorPath = PathData()
        var minorPath = PathData()
        if horizontal {
            for v in y.ticks() {
                let py = y.position(v)
                majorPath.move(PixelPoint(x: plot.minX, y: py))
                majorPath.line(PixelPoint(x: plot.maxX, y: py))
            }
            for v in y.minorTicks() {
                let py = y.position(v)
                minorPath.move(PixelPoint(x: plot.minX, y: py))
                minorPath.line(PixelPoint(x: plot.maxX, y: py))
            }
        }
        if vertical {
            for v in x.ticks() {
                let px = x.position(v)
                majorPath.move(PixelPoint(x: px, y: plot.minY))
                majorPath.line(PixelPoint(x: px, y: plot.maxY))
            }
            for v in x.minorTicks() {
                let px = x.position(v)
                minorPath.move(PixelPoint(x: px, y: plot.minY))
                minorPath.line(PixelPoint(x: px, y: plot.maxY))
            }
        }
        if !minorPath.isEmpty {
            svg.element("path", ["class": "grid-minor", "d": minorPath.text, "stroke": minor.hex, "stroke-width": "1", "fill": "none"])
        }
        if !majorPath.isEmpty {
            svg.element("path", ["class": "grid", "d": majorPath.text, "stroke": style.gridColor.hex, "stroke-width": "1", "fill": "none"])
        }
    }

    /// Axis lines, ticks, tick labels and axis titles. `xLabels: false` leaves the x labels to the
    /// caller (categories).
    func drawAxes(_ svg: inout SVGWriter, style: ChartStyle, xTitle: String?, yTitle: String?, xLabels: Bool = true, categoryLabelHeight: Double? = nil) {
        let plot = self.plot
        let tickLength = CartesianLayout.tickLength
        let gap = CartesianLayout.tickLabelGap
        var axisPath = PathData()
        axisPath.move(PixelPoint(x: plot.minX, y: plot.minY))
        axisPath.line(PixelPoint(x: plot.minX, y: plot.maxY))
        axisPath.line(PixelPoint(x: plot.maxX, y: plot.maxY))
        let yTicks = y.ticks()
        for v in yTicks {
            let py = y.position(v)
            axisPath.move(PixelPoint(x: plot.minX - tickLength, y: py))
            axisPath.line(PixelPoint(x: plot.minX, y: py))
        }
        let xTicks = xLabels ? x.ticks() : []
        for v in xTicks {
            let px = x.position(v)
            axisPath.move(PixelPoint(x: px, y: plot.maxY))
            axisPath.line(PixelPoint(x: px, y: plot.maxY + tickLength))
        }
        svg.element("path", ["class": "axis", "d": axisPath.text, "stroke": style.axisColor.hex, "stroke-width": "1", "fill": "none"])

        let yLabels = y.tickLabels()
        svg.group([("class", "y-ticks"), ("font-size", svgNumber(style.tickSize)), ("fill", style.mutedTextColor.hex), ("text-anchor", "end")]) { svg in
            for (v, label) in zip(yTicks, yLabels) {
                svg.text(displayMinus(label), x: plot.minX - tickLength - gap, y: y.position(v) + style.tickSize * 0.35)
            }
        }
        if xLabels {
            let labels = x.tickLabels()
            svg.group([("class", "x-ticks"), ("font-size", svgNumber(style.tickSize)), ("fill", style.mutedTextColor.hex), ("text-anchor", "middle")]) { svg in
                for (v, label) in zip(xTicks, labels) {
                    svg.text(displayMinus(label), x: x.position(v), y: plot.maxY + tickLength + gap + style.tickSize * 0.85)
                }
            }
        }
        if let xTitle, !xTitle.isEmpty {
            let labelsHeight = categoryLabelHeight ?? style.tickSize
            let baseline = plot.maxY + tickLength + gap + labelsHeight + CartesianLayout.titleGap + style.labelSize * 0.85
            svg.text(xTitle, x: plot.midX, y: baseline, attributes: [
                ("class", "x-title"), ("font-size", svgNumber(style.labelSize)), ("fill", style.textColor.hex), ("text-anchor", "middle"),
            ])
        }
        if let yTitle, !yTitle.isEmpty {
            let widest = yLabels.map { TextMetrics.width(displayMinus($0), fontSize: style.tickSize) }.max() ?? 0
            let baseline = max(style.labelSize * 0.9, plot.minX - tickLength - gap - widest - CartesianLayout.titleGap)
            let midY = plot.midY
            svg.text(yTitle, x: baseline, y: midY, attributes: [
                ("class", "y-title"), ("font-size", svgNumber(style.labelSize)), ("fill", style.textColor.hex), ("text-anchor", "middle"),
                ("transform", "rotate(-90 " + svgNumber(baseline) + " " + svgNumber(midY) + ")"),
            ])
        }
    }

    /// Draws the legend where ``resolve(_:obstacles:)`` put it.
    func drawLegend(_ svg: inout SVGWriter, entries: [LegendEntry], style: ChartStyle) {
        guard let legend, !entries.isEmpty else { return }
        let block = LegendBlock(entries: entries, style: style)
        switch legend {
        case let .stacked(origin, backing):
            block.drawStacked(&svg, at: origin, backing: backing)
        case let .rows(origin, maxWidth):
            block.drawRows(&svg, at: origin, maxWidth: maxWidth)
        }
    }

    /// The rectangle the legend occupies (for tests and for obstacle checks).
    func legendFrame(entries: [LegendEntry], style: ChartStyle) -> ChartRect? {
        guard let legend, !entries.isEmpty else { return nil }
        let block = LegendBlock(entries: entries, style: style)
        switch legend {
        case let .stacked(origin, backing):
            let s = block.stackedSize
            let pad = backing ? LegendBlock.padding : 0
            return ChartRect(x: origin.x - pad, y: origin.y - pad, width: s.width + 2 * pad, height: s.height + 2 * pad)
        case let .rows(origin, maxWidth):
            let s = block.rows(maxWidth: maxWidth).size
            return ChartRect(x: origin.x, y: origin.y, width: s.width, height: s.height)
        }
    }

    /// Pixel position of a data point.
    func pixel(_ px: Double, _ py: Double) -> PixelPoint {
        PixelPoint(x: x.position(px), y: y.position(py))
    }
}

/// A straight guide line across the plot: a baseline, a threshold, or y = x.
public struct ReferenceLine: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case horizontal(Double)
        case vertical(Double)
        /// The diagonal y = x.
        case identity
    }

    public var kind: Kind
    public var label: String?
    public var color: Color
    public var dash: LineDash

    public init(_ kind: Kind, label: String? = nil, color: Color = Color(hex: "#7a7a7a"), dash: LineDash = .dashed) {
        self.kind = kind
        self.label = label
        self.color = color
        self.dash = dash
    }

    /// A horizontal line at `y`.
    public static func horizontal(_ y: Double, label: String? = nil) -> ReferenceLine {
        ReferenceLine(.horizontal(y), label: label)
    }

    /// A vertical line at `x`.
    public static func vertical(_ x: Double, label: String? = nil) -> ReferenceLine {
        ReferenceLine(.vertical(x), label: label)
    }

    /// The diagonal y = x.
    public static func identity(label: String? = nil) -> ReferenceLine {
        ReferenceLine(.identity, label: label)
    }

    /// Axis lines through the origin, drawn solid and light (function plots).
    public static let zeroAxes: [ReferenceLine] = [
        ReferenceLine(.horizontal(0), color: Color(hex: "#b3b3b3"), dash: .solid),
        ReferenceLine(.vertical(0), color: Color(hex: "#b3b3b3"), dash: .solid),
    ]

    var xValue: Double? {
        if case let .vertical(x) = kind { return x }
        return nil
    }

    var yValue: Double? {
        if case let .horizontal(y) = kind { return y }
        return nil
    }

    /// Endpoints in pixels, clipped to the plot.
    func segment(in layout: CartesianLayout) -> (PixelPoint, PixelPoint)? {
        let plot = layout.plot
        let a: PixelPoint
        let b: PixelPoint
        switch kind {
        case let .horizontal(v):
            let py = layout.y.position(v)
            a = PixelPoint(x: plot.minX, y: py)
            b = PixelPoint(x: plot.maxX, y: py)
        case let .vertical(v):
            let px = layout.x.position(v)
            a = PixelPoint(x: px, y: plot.minY)
            b = PixelPoint(x: px, y: plot.maxY)
        case .identity:
            let low = max(layout.x.domain.lowerBound, layout.y.domain.lowerBound)
            let high = min(layout.x.domain.upperBound, layout.y.domain.upperBound)
            guard low < high else { return nil }
            a = layout.pixel(low, low)
            b = layout.pixel(high, high)
        }
        return Clip.segment(a, b, to: plot)
    }

    /// Label positions that keep clear of `obstacles` where possible: along a horizontal line at
    /// its right end, then its left end, above before below; beside a vertical line at its top.
    static func placeLabels(_ lines: [ReferenceLine], layout: CartesianLayout, style: ChartStyle, avoiding obstacles: [Obstacle]) -> [PlacedText?] {
        var placed: [PlacedText] = []
        return lines.map { line -> PlacedText? in
            guard let label = line.label, !label.isEmpty, let (a, b) = line.segment(in: layout) else { return nil }
            let plot = layout.plot
            let size = style.annotationSize
            var candidates: [PlacedText] = []
            switch line.kind {
            case .horizontal:
                candidates = [
                    PlacedText(label, anchor: "end", x: plot.maxX - 4, y: a.y - 4, fontSize: size),
                    PlacedText(label, anchor: "end", x: plot.maxX - 4, y: a.y + size + 2, fontSize: size),
                    PlacedText(label, anchor: "start", x: plot.minX + 4, y: a.y - 4, fontSize: size),
                    PlacedText(label, anchor: "start", x: plot.minX + 4, y: a.y + size + 2, fontSize: size),
                ]
            case .vertical:
                candidates = [
                    PlacedText(label, anchor: "start", x: a.x + 4, y: plot.minY + size + 2, fontSize: size),
                    PlacedText(label, anchor: "end", x: a.x - 4, y: plot.minY + size + 2, fontSize: size),
                    PlacedText(label, anchor: "start", x: a.x + 4, y: plot.maxY - 5, fontSize: size),
                    PlacedText(label, anchor: "end", x: a.x - 4, y: plot.maxY - 5, fontSize: size),
                ]
            case .identity:
                // Near the upper end, first above-left of the diagonal, then below-right of it.
                for t in [0.97, 0.85, 0.7, 0.5, 0.15] {
                    let p = PixelPoint(x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y))
                    candidates.append(PlacedText(label, anchor: "end", x: p.x - 4, y: p.y - 4, fontSize: size))
                    candidates.append(PlacedText(label, anchor: "start", x: p.x + 4, y: p.y + size, fontSize: size))
                }
                if a.y < b.y { candidates.reverse() }
            }
            // Other guide lines; a diagonal's label must also keep off the diagonal itself.
            let others = lines.filter { $0 != line || line.kind == .identity }
            let guides = ReferenceLine.obstacles(others, layout: layout).map { ($0, 5) }
            let choice = PlacedText.best(of: candidates, plot: plot, obstacles: obstacles.map { ($0, 10) } + guides, placed: placed)
            if let choice { placed.append(choice) }
            return choice
        }
    }

    /// Draws the lines and the labels placed by ``placeLabels(_:layout:style:avoiding:)``.
    static func draw(_ lines: [ReferenceLine], labels: [PlacedText?], _ svg: inout SVGWriter, layout: CartesianLayout, style: ChartStyle) {
        guard !lines.isEmpty else { return }
        svg.group([("class", "reference")]) { svg in
            for line in lines {
                guard let (a, b) = line.segment(in: layout) else { continue }
                var attributes: [(String, String)] = [
                    ("x1", svgNumber(a.x)), ("y1", svgNumber(a.y)), ("x2", svgNumber(b.x)), ("y2", svgNumber(b.y)),
                    ("stroke", line.color.hex), ("stroke-width", "1"),
                ]
                if let pattern = line.dash.pattern(width: 1.5) { attributes.append(("stroke-dasharray", pattern)) }
                svg.element("line", attributes: attributes)
            }
            let placed = labels.compactMap { $0 }
            if !placed.isEmpty {
                svg.group([("font-size", svgNumber(style.annotationSize)), ("fill", style.mutedTextColor.hex)]) { svg in
                    for label in placed { label.draw(&svg) }
                }
            }
        }
    }

    /// Obstacles of the lines themselves (their labels come from ``placeLabels(_:layout:style:avoiding:)``).
    static func obstacles(_ lines: [ReferenceLine], layout: CartesianLayout) -> [Obstacle] {
        lines.compactMap { line in line.segment(in: layout).map { Obstacle.segment($0.0, $0.1) } }
    }
}

/// A text label with its anchor, baseline position and (estimated) bounding box.
struct PlacedText {
    var text: String
    var anchor: String
    var x: Double
    var y: Double
    var box: ChartRect

    init(_ text: String, anchor: String, x: Double, y: Double, fontSize: Double) {
        self.text = text
        self.anchor = anchor
        self.x = x
        self.y = y
        let width = TextMetrics.width(text, fontSize: fontSize)
        let left = anchor == "start" ? x : (anchor == "end" ? x - width : x - width / 2)
        box = ChartRect(x: left - 1, y: y - fontSize * 0.78 - 1, width: width + 2, height: fontSize + 2)
    }

    func draw(_ svg: inout SVGWriter, attributes: [(String, String)] = []) {
        svg.text(text, x: x, y: y, attributes: anchor == "start" ? attributes : [("text-anchor", anchor)] + attributes)
    }

    /// The first candidate inside `plot` that touches nothing; else the one that touches least
    /// (leaving the plot costs most, then other labels, then data).
    static func best(of candidates: [PlacedText], plot: ChartRect, obstacles: [(Obstacle, weight: Int)], placed: [PlacedText]) -> PlacedText? {
        var best: PlacedText?
        var bestScore = Int.max
        for candidate in candidates {
            var score = plot.encloses(candidate.box) ? 0 : 10_000
            score += placed.filter { $0.box.intersects(candidate.box) }.count * 1_000
            let clearance = candidate.box.expanded(by: 2)
            for (obstacle, weight) in obstacles where obstacle.hits(clearance) { score += weight }
            if score < bestScore {
                bestScore = score
                best = candidate
            }
            if score == 0 { break }
        }
        return best
    }
}
