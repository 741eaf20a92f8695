import Foundation

extension Plot {
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
