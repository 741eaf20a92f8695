/// A matrix drawn as coloured cells on a colour map (a learned 3x3 kernel on a diverging map
/// centred at 0), with an optional caption under it. Non-finite values are grey. Put several in a
/// ``PanelGrid`` with one ``ColorBar`` to compare them on one scale.
public struct HeatCells: Chart {
    /// Rows of values, all of one length.
    public var values: [[Double]]
    public var map: ColorMap
    /// The values at the two ends of the map.
    public var range: ClosedRange<Double>
    public var cellSize: Double
    public var caption: String?
    public var style: ChartStyle

    public init(_ values: [[Double]], map: ColorMap = .blueRed, range: ClosedRange<Double>, cellSize: Double = 18, caption: String? = nil, style: ChartStyle = .standard) {
        precondition(Set(values.map(\.count)).count <= 1, "[HeatCells] rows differ in length")
        (self.values, self.map, self.range, self.cellSize, self.caption, self.style) = (values, map, range, cellSize, caption, style)
    }

    public var accessibilityLabel: String { caption ?? "matrix" }

    public var size: ChartSize {
        let cells = ChartSize(width: Double(values.first?.count ?? 0) * cellSize, height: Double(values.count) * cellSize)
        guard let caption, !caption.isEmpty else { return cells }
        return ChartSize(width: max(cells.width, TextMetrics.width(caption, fontSize: style.annotationSize)), height: cells.height + style.annotationSize + 5)
    }

    public func draw(into svg: inout SVGWriter) {
        let left = (size.width - Double(values.first?.count ?? 0) * cellSize) / 2
        // A hairline of white between cells large enough to read one by one.
        let gap = cellSize >= 12 ? 1.0 : 0
        svg.group([("class", "cells")]) { svg in
            for (i, row) in values.enumerated() {
                for (j, v) in row.enumerated() {
                    let fill = v.isFinite ? map.color(for: v, in: range) : Color(hex: "#d9d9d9")
                    svg.element("rect", ["x": svgNumber(left + Double(j) * cellSize + gap / 2), "y": svgNumber(Double(i) * cellSize + gap / 2),
                                         "width": svgNumber(cellSize - gap), "height": svgNumber(cellSize - gap), "fill": fill.hex])
                }
            }
        }
        style.drawCaption(&svg, caption, x: size.width / 2, y: Double(values.count) * cellSize)
    }
}
