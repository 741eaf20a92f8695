import Foundation

/// A chart with an x and a y axis: a title and subtitle, gridlines at the ticks, mark layers drawn
/// in order, and a legend in rows under the x axis naming every named layer, so that it never
/// covers data. Margins follow from the labels: the widest y tick label, the last x tick label,
/// the titles and the legend.
public struct Plot: Chart {
    public var title: String?
    public var subtitle: String?
    public var x: Axis
    public var y: Axis
    public var size: ChartSize
    /// Draw the legend (rows for the named layers); panels of a grid usually leave it to the grid.
    public var legend: Bool
    public var style: ChartStyle
    /// The layers, bottom to top.
    public var marks: [any Mark]

    public init(title: String? = nil, subtitle: String? = nil, x: Axis = Axis(), y: Axis = Axis(),
                size: ChartSize = ChartSize(width: 640, height: 400), legend: Bool = true, style: ChartStyle = .standard, marks: [any Mark]) {
        (self.title, self.subtitle, self.x, self.y, self.size, self.legend, self.style, self.marks) = (title, subtitle, x, y, size, legend, style, marks)
    }

    public var accessibilityLabel: String { title ?? "chart" }

    static let tickLength = 5.0, tickLabelGap = 3.0, titleGap = 8.0

    var legendEntries: [LegendEntry] { legend ? LegendEntry.merged(marks.flatMap(\.legend)) : [] }

    /// The plot rectangle and scales, and the top of the legend.
    func layout() -> (area: PlotArea, legendTop: Double) {
        let extents = marks.map(\.extent)
        let xExtent = extent(of: extents.flatMap(\.x), positiveOnly: x.isLog), yExtent = extent(of: extents.flatMap(\.y), positiveOnly: y.isLog)
        let titleHeight = style.titleHeight(title, subtitle: subtitle)
        let legend = LegendRows(entries: legendEntries, style: style)
        let axisHeight = Self.tickLength + Self.tickLabelGap + categoryLabels.height + 2 + (x.title?.isEmpty == false ? Self.titleGap + style.labelSize : 0)
        var rect = ChartRect(x: 60, y: 20 + titleHeight, width: size.width - 80, height: size.height - 70 - titleHeight)
        var area = PlotArea(rect: rect, x: LinearScale(domain: 0...1), y: LinearScale(domain: 0...1), style: style)
        // Margins from the labels of the scales in the last rectangle, until it settles.
        for iteration in 0..<4 {
            area.y = y.scale(extent: yExtent, start: rect.maxY, end: rect.minY, defaultTickCount: max(2, Int(rect.height / 55)))
            // Automatic x ticks thin out until their labels no longer collide.
            var count = max(2, Int(rect.width / 75))
            repeat {
                area.x = x.scale(extent: xExtent, start: rect.minX, end: rect.maxX, defaultTickCount: count)
                count -= 1
            } while x.tickCount == nil && count >= 2 && Self.labelsCollide(area.x, fontSize: style.tickSize)
            area.rect = rect
            let yLabels = area.y.tickLabels().map { TextMetrics.width(displayMinus($0), fontSize: style.tickSize) }.max() ?? 0
            let lastXLabel = x.categories == nil ? area.x.tickLabels().last ?? "" : ""
            let left = max(ChartStyle.pad + yLabels + Self.tickLength + Self.tickLabelGap + 1 + (y.title?.isEmpty == false ? style.labelSize + Self.titleGap : 0),
                           categoryLabels.minimumLeft)
            let right = max(14, TextMetrics.width(lastXLabel, fontSize: style.tickSize) / 2 + 6)
            let top = ChartStyle.pad + 2 + titleHeight + (titleHeight > 0 ? 6 : 0) + style.tickSize * 0.5
            let legendHeight = legend.entries.isEmpty ? 0 : legend.layout(maxWidth: size.width - left - ChartStyle.pad).size.height + 6
            let next = ChartRect(x: left, y: top, width: max(10, size.width - left - right),
                                 height: max(10, size.height - top - axisHeight - ChartStyle.pad - legendHeight))
            if next == rect || iteration == 3 { break }
            rect = next
        }
        return (area, area.rect.maxY + axisHeight + 6)
    }

    static func labelsCollide(_ scale: any Scale, fontSize: Double) -> Bool {
        let ticks = scale.ticks(), widths = scale.tickLabels().map { TextMetrics.width($0, fontSize: fontSize) }
        return ticks.indices.dropFirst().contains { i in
            abs(scale.position(ticks[i]) - scale.position(ticks[i - 1])) < (widths[i - 1] + widths[i]) / 2 + 10
        }
    }

    /// Category labels turn 35° when they do not fit side by side; then they are taller, and the
    /// first one reaches left of the plot.
    var categoryLabels: (angle: Double, height: Double, minimumLeft: Double) {
        guard let names = x.categories, !names.isEmpty else { return (0, style.tickSize, 0) }
        let slot = (size.width - 100) / Double(names.count)
        let widest = names.map { TextMetrics.width($0, fontSize: style.tickSize) }.max() ?? 0
        guard widest + 8 > slot else { return (0, style.tickSize, 0) }
        let angle = 35.0 * .pi / 180
        return (35, widest * sin(angle) + style.tickSize, TextMetrics.width(names[0], fontSize: style.tickSize) * cos(angle) - slot / 2 + ChartStyle.pad)
    }

    public func draw(into svg: inout SVGWriter) {
        var (area, legendTop) = layout()
        style.drawTitle(&svg, title, subtitle: subtitle)
        drawGrid(&svg, area)
        for mark in marks { mark.draw(into: &svg, in: &area) }
        drawAxes(&svg, area)
        LegendRows(entries: legendEntries, style: style).draw(&svg, at: PixelPoint(x: area.rect.minX, y: legendTop), maxWidth: size.width - area.rect.minX - ChartStyle.pad)
    }

    /// Gridlines at the ticks, faint ones at a log axis's minor ticks; none across a category axis.
    func drawGrid(_ svg: inout SVGWriter, _ area: PlotArea) {
        let rect = area.rect
        let xTicks = x.categories == nil ? (area.x.ticks(), area.x.minorTicks()) : ([], [])
        var paths = [PathData(), PathData()]
        for (k, ticks) in [area.y.ticks(), area.y.minorTicks()].enumerated() {
            for v in ticks { paths[k].segment(PixelPoint(x: rect.minX, y: area.y.position(v)), PixelPoint(x: rect.maxX, y: area.y.position(v))) }
        }
        for (k, ticks) in [xTicks.0, xTicks.1].enumerated() {
            for v in ticks { paths[k].segment(PixelPoint(x: area.x.position(v), y: rect.minY), PixelPoint(x: area.x.position(v), y: rect.maxY)) }
        }
        for (k, kind) in [(1, "grid-minor"), (0, "grid")] where !paths[k].isEmpty {
            let color = k == 0 ? style.gridColor : style.gridColor.mixed(with: .white, fraction: 0.55)
            svg.element("path", ["class": kind, "d": paths[k].text, "stroke": color.hex, "stroke-width": "1", "fill": "none"])
        }
    }

    /// Axis lines, ticks, tick labels (or category labels) and axis titles.
    func drawAxes(_ svg: inout SVGWriter, _ area: PlotArea) {
        let (rect, style) = (area.rect, style)
        let (length, gap) = (Self.tickLength, Self.tickLabelGap)
        let xTicks = x.categories == nil ? area.x.ticks() : []
        var d = PathData()
        d.polyline([PixelPoint(x: rect.minX, y: rect.minY), PixelPoint(x: rect.minX, y: rect.maxY), PixelPoint(x: rect.maxX, y: rect.maxY)])
        for v in area.y.ticks() { d.segment(PixelPoint(x: rect.minX - length, y: area.y.position(v)), PixelPoint(x: rect.minX, y: area.y.position(v))) }
        for v in xTicks { d.segment(PixelPoint(x: area.x.position(v), y: rect.maxY), PixelPoint(x: area.x.position(v), y: rect.maxY + length)) }
        svg.element("path", ["class": "axis", "d": d.text, "stroke": style.axisColor.hex, "stroke-width": "1", "fill": "none"])

        let tickFont: [(String, String)] = [("font-size", svgNumber(style.tickSize)), ("fill", style.mutedTextColor.hex)]
        let yLabels = area.y.tickLabels().map(displayMinus)
        svg.group([("class", "y-ticks")] + tickFont + [("text-anchor", "end")]) { svg in
            for (v, label) in zip(area.y.ticks(), yLabels) { svg.text(label, x: rect.minX - length - gap, y: area.y.position(v) + style.tickSize * 0.35) }
        }
        let baseline = rect.maxY + length + gap + style.tickSize * 0.85
        if let names = x.categories {
            // Under the middle of each category, in the text colour; turned labels end there.
            let (angle, slot) = (categoryLabels.angle, rect.width / Double(max(1, names.count)))
            svg.group([("class", "x-ticks"), ("font-size", svgNumber(style.tickSize)), ("fill", style.textColor.hex), ("text-anchor", angle > 0 ? "end" : "middle")]) { svg in
                for (i, name) in names.enumerated() {
                    let cx = rect.minX + (Double(i) + 0.5) * slot
                    svg.text(name, x: cx, y: baseline, angle > 0 ? [("transform", "rotate(-\(svgNumber(angle)) \(svgNumber(cx)) \(svgNumber(baseline)))")] : [])
                }
            }
        } else {
            svg.group([("class", "x-ticks")] + tickFont + [("text-anchor", "middle")]) { svg in
                for (v, label) in zip(xTicks, area.x.tickLabels()) { svg.text(displayMinus(label), x: area.x.position(v), y: baseline) }
            }
        }
        let titleFont: [(String, String)] = [("font-size", svgNumber(style.labelSize)), ("fill", style.textColor.hex), ("text-anchor", "middle")]
        if let title = x.title, !title.isEmpty {
            let y = rect.maxY + length + gap + categoryLabels.height + Self.titleGap + style.labelSize * 0.85
            svg.text(title, x: rect.midX, y: y, [("class", "x-title")] + titleFont)
        }
        if let title = y.title, !title.isEmpty {
            let widest = yLabels.map { TextMetrics.width($0, fontSize: style.tickSize) }.max() ?? 0
            let x = max(style.labelSize * 0.9, rect.minX - length - gap - widest - Self.titleGap)
            svg.text(title, x: x, y: rect.midY, [("class", "y-title")] + titleFont + [("transform", "rotate(-90 \(svgNumber(x)) \(svgNumber(rect.midY)))")])
        }
    }
}
