import Foundation

/// A matrix drawn as coloured cells, with a colour bar: a learned 3x3 kernel on a diverging map
/// centred at 0, or a mask or an image channel on a sequential map.
public struct Heatmap: Chart {
    public var title: String?
    /// Rows of values (all rows the same length). Non-finite values are drawn grey.
    public var values: [[Double]]
    public var colorMap: ColorMap
    /// Values mapped to the two ends of the map; nil: ``ColorMap/automaticRange(for:)``.
    public var range: ClosedRange<Double>?
    public var cellSize: Double
    /// Writes each value in its cell in this format; nil writes none.
    public var valueLabels: NumberFormat?
    public var rowLabels: [String]?
    public var columnLabels: [String]?
    public var colorBar: Bool
    public var caption: String?
    public var style: ChartStyle

    public init(title: String? = nil, values: [[Double]], colorMap: ColorMap = .blueRed, range: ClosedRange<Double>? = nil,
                cellSize: Double = 28, valueLabels: NumberFormat? = nil, rowLabels: [String]? = nil,
                columnLabels: [String]? = nil, colorBar: Bool = true, caption: String? = nil, style: ChartStyle = .standard) {
        let width = values.first?.count ?? 0
        precondition(values.allSatisfy { $0.count == width }, "[Heatmap] rows differ in length")
        if let rowLabels { precondition(rowLabels.count == values.count, "[Heatmap] \(rowLabels.count) row labels for \(values.count) rows") }
        if let columnLabels { precondition(columnLabels.count == width, "[Heatmap] \(columnLabels.count) column labels for \(width) columns") }
        self.title = title
        self.values = values
        self.colorMap = colorMap
        self.range = range
        self.cellSize = cellSize
        self.valueLabels = valueLabels
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.colorBar = colorBar
        self.caption = caption
        self.style = style
    }

    public var accessibilityLabel: String { title ?? caption ?? "heatmap" }

    var rows: Int { values.count }
    var columns: Int { values.first?.count ?? 0 }
    var resolvedRange: ClosedRange<Double> { range ?? colorMap.automaticRange(for: values.flatMap { $0 }) }

    private var rowLabelWidth: Double {
        guard let rowLabels else { return 0 }
        return (rowLabels.map { TextMetrics.width($0, fontSize: style.tickSize) }.max() ?? 0) + 6
    }

    private var columnLabelHeight: Double { columnLabels == nil ? 0 : style.tickSize + 6 }

    /// Top-left corner of the cell grid.
    var gridOrigin: PixelPoint {
        let top = CartesianLayout.outerPad + Draw.titleHeight(title: title, subtitle: nil, style: style) + (title == nil ? 0 : 6)
        return PixelPoint(x: CartesianLayout.outerPad + rowLabelWidth, y: top + columnLabelHeight)
    }

    private var gridSize: ChartSize {
        ChartSize(width: Double(columns) * cellSize, height: Double(rows) * cellSize)
    }

    private var colorBarWidth: Double {
        colorBar ? ColorBar.width(range: resolvedRange, height: max(gridSize.height, ColorBar.minimumHeight), style: style) + 14 : 0
    }

    public var size: ChartSize {
        let origin = gridOrigin
        var width = origin.x + gridSize.width + colorBarWidth + CartesianLayout.outerPad
        width = max(width, TextMetrics.width(title ?? "", fontSize: style.titleSize, bold: true) + 2 * CartesianLayout.outerPad + 2)
        var height = origin.y + max(gridSize.height, colorBar ? ColorBar.minimumHeight : 0) + CartesianLayout.outerPad
        if let caption, !caption.isEmpty {
            width = max(width, origin.x + TextMetrics.width(caption, fontSize: style.annotationSize) + CartesianLayout.outerPad)
            height += style.annotationSize + 6
        }
        return ChartSize(width: width.rounded(.up), height: height.rounded(.up))
    }

    /// Colour of the cell at (`row`, `column`).
    public func cellColor(row: Int, column: Int) -> Color {
        let v = values[row][column]
        return v.isFinite ? colorMap.color(for: v, in: resolvedRange) : Heatmap.missing
    }

    static let missing = Color(hex: "#d9d9d9")

    public func draw(into svg: inout SVGWriter) {
        let size = self.size
        let style = self.style
        Draw.background(&svg, size: size, style: style)
        Draw.title(&svg, title: title, subtitle: nil, x: CartesianLayout.outerPad + 2, top: CartesianLayout.outerPad, style: style)
        let origin = gridOrigin
        let range = resolvedRange
        Heatmap.drawCells(&svg, values: values, origin: origin, cellSize: cellSize, map: colorMap, range: range,
                          valueLabels: valueLabels, style: style)
        if let rowLabels {
            svg.group([("class", "row-labels"), ("font-size", svgNumber(style.tickSize)), ("fill", style.mutedTextColor.hex), ("text-anchor", "end")]) { svg in
                for (i, label) in rowLabels.enumerated() {
                    svg.text(label, x: origin.x - 6, y: origin.y + (Double(i) + 0.5) * cellSize + style.tickSize * 0.35)
                }
            }
        }
        if let columnLabels {
            svg.group([("class", "column-labels"), ("font-size", svgNumber(style.tickSize)), ("fill", style.mutedTextColor.hex), ("text-anchor", "middle")]) { svg in
                for (j, label) in columnLabels.enumerated() {
                    svg.text(label, x: origin.x + (Double(j) + 0.5) * cellSize, y: origin.y - 6)
                }
            }
        }
        let grid = gridSize
        if colorBar {
            ColorBar.draw(&svg, origin: PixelPoint(x: origin.x + grid.width + 14, y: origin.y),
                          height: max(grid.height, ColorBar.minimumHeight), map: colorMap, range: range, style: style)
        }
        if let caption, !caption.isEmpty {
            svg.text(caption, x: origin.x, y: origin.y + max(grid.height, colorBar ? ColorBar.minimumHeight : 0) + style.annotationSize + 4,
                     attributes: [("class", "caption"), ("font-size", svgNumber(style.annotationSize)), ("fill", style.mutedTextColor.hex)])
        }
    }

    /// Cells as rectangles, separated by a hairline of white when they are large enough to read
    /// one by one; value labels in black or white, whichever contrasts.
    static func drawCells(_ svg: inout SVGWriter, values: [[Double]], origin: PixelPoint, cellSize: Double, map: ColorMap,
                          range: ClosedRange<Double>, valueLabels: NumberFormat?, style: ChartStyle) {
        let gap = cellSize >= 12 ? 1.0 : 0
        svg.group([("class", "cells")]) { svg in
            for (i, row) in values.enumerated() {
                for (j, v) in row.enumerated() {
                    let color = v.isFinite ? map.color(for: v, in: range) : missing
                    svg.element("rect", [
                        "x": svgNumber(origin.x + Double(j) * cellSize + gap / 2), "y": svgNumber(origin.y + Double(i) * cellSize + gap / 2),
                        "width": svgNumber(cellSize - gap), "height": svgNumber(cellSize - gap), "fill": color.hex,
                    ])
                }
            }
        }
        guard let format = valueLabels else { return }
        let fontSize = min(style.annotationSize, cellSize * 0.36)
        svg.group([("class", "cell-values"), ("font-size", svgNumber(fontSize)), ("text-anchor", "middle")]) { svg in
            for (i, row) in values.enumerated() {
                for (j, v) in row.enumerated() where v.isFinite {
                    let text = format.string(v)
                    guard TextMetrics.width(text, fontSize: fontSize) <= cellSize - 2 else { continue }
                    let color = map.color(for: v, in: range).contrastingText
                    svg.text(displayMinus(text), x: origin.x + (Double(j) + 0.5) * cellSize,
                             y: origin.y + (Double(i) + 0.5) * cellSize + fontSize * 0.35, attributes: [("fill", color.hex)])
                }
            }
        }
    }
}

/// A vertical colour bar with tick labels on its right.
enum ColorBar {
    static let barWidth = 12.0
    static let minimumHeight = 72.0

    static func scale(range: ClosedRange<Double>, height: Double, originY: Double) -> LinearScale {
        LinearScale(domain: range, start: originY + height, end: originY, tickCount: max(2, Int(height / 28)))
    }

    static func width(range: ClosedRange<Double>, height: Double, style: ChartStyle) -> Double {
        let labels = scale(range: range, height: height, originY: 0).tickLabels()
        let widest = labels.map { TextMetrics.width(displayMinus($0), fontSize: style.tickSize) }.max() ?? 0
        return barWidth + 7 + widest
    }

    static func draw(_ svg: inout SVGWriter, origin: PixelPoint, height: Double, map: ColorMap, range: ClosedRange<Double>, style: ChartStyle) {
        let slices = 48
        let sliceHeight = height / Double(slices)
        svg.group([("class", "color-bar")]) { svg in
            for k in 0..<slices {
                // Slice 0 is the top (high end); the ends are exactly the map's end colours.
                let t = 1 - Double(k) / Double(slices - 1)
                svg.element("rect", [
                    "x": svgNumber(origin.x), "y": svgNumber(origin.y + Double(k) * sliceHeight),
                    "width": svgNumber(barWidth), "height": svgNumber(sliceHeight + 0.3), "fill": map.color(at: t).hex,
                ])
            }
            svg.element("rect", [
                "x": svgNumber(origin.x), "y": svgNumber(origin.y), "width": svgNumber(barWidth), "height": svgNumber(height),
                "fill": "none", "stroke": style.axisColor.hex, "stroke-width": "0.5",
            ])
            let scale = scale(range: range, height: height, originY: origin.y)
            var ticks = PathData()
            for v in scale.ticks() {
                let y = scale.position(v)
                ticks.move(PixelPoint(x: origin.x + barWidth, y: y))
                ticks.line(PixelPoint(x: origin.x + barWidth + 3, y: y))
            }
            svg.element("path", ["d": ticks.text, "stroke": style.axisColor.hex, "stroke-width": "1", "fill": "none"])
            svg.group([("font-size", svgNumber(style.tickSize)), ("fill", style.mutedTextColor.hex)]) { svg in
                for (v, label) in zip(scale.ticks(), scale.tickLabels()) {
                    svg.text(displayMinus(label), x: origin.x + barWidth + 6, y: scale.position(v) + style.tickSize * 0.35)
                }
            }
        }
    }
}

/// Many small heatmaps on one colour scale, each with a caption, and one colour bar: e.g. the
/// 3x3 funnel kernels of the first channels of a layer.
public struct HeatmapGrid: Chart {
    public struct Item: Sendable, Hashable {
        public var values: [[Double]]
        public var caption: String?

        public init(values: [[Double]], caption: String? = nil) {
            self.values = values
            self.caption = caption
        }
    }

    public var title: String?
    public var subtitle: String?
    public var items: [Item]
    public var columns: Int
    public var colorMap: ColorMap
    /// Shared range; nil: automatic over all items.
    public var range: ClosedRange<Double>?
    public var cellSize: Double
    public var valueLabels: NumberFormat?
    public var style: ChartStyle

    public init(title: String? = nil, subtitle: String? = nil, items: [Item], columns: Int = 8, colorMap: ColorMap = .blueRed,
                range: ClosedRange<Double>? = nil, cellSize: Double = 14, valueLabels: NumberFormat? = nil, style: ChartStyle = .standard) {
        self.title = title
        self.subtitle = subtitle
        self.items = items
        self.columns = max(1, columns)
        self.colorMap = colorMap
        self.range = range
        self.cellSize = cellSize
        self.valueLabels = valueLabels
        self.style = style
    }

    public var accessibilityLabel: String { title ?? "heatmap grid" }

    var resolvedRange: ClosedRange<Double> {
        range ?? colorMap.automaticRange(for: items.flatMap { $0.values.flatMap { $0 } })
    }

    static let gap = 12.0

    private var itemSize: ChartSize {
        let width = items.map { Double($0.values.first?.count ?? 0) * cellSize }.max() ?? 0
        let height = items.map { Double($0.values.count) * cellSize }.max() ?? 0
        return ChartSize(width: width, height: height)
    }

    private var hasCaptions: Bool { items.contains { !($0.caption ?? "").isEmpty } }

    private var cellBox: ChartSize {
        let captionWidth = items.map { TextMetrics.width($0.caption ?? "", fontSize: style.annotationSize) }.max() ?? 0
        let item = itemSize
        return ChartSize(width: max(item.width, captionWidth),
                         height: item.height + (hasCaptions ? style.annotationSize + 5 : 0))
    }

    private var gridOrigin: PixelPoint {
        let titleHeight = Draw.titleHeight(title: title, subtitle: subtitle, style: style)
        return PixelPoint(x: CartesianLayout.outerPad + 2, y: CartesianLayout.outerPad + titleHeight + (titleHeight > 0 ? 8 : 0))
    }

    private var rowCount: Int { (items.count + columns - 1) / columns }

    private var gridSize: ChartSize {
        let box = cellBox
        let used = min(columns, max(1, items.count))
        return ChartSize(width: Double(used) * box.width + Double(used - 1) * HeatmapGrid.gap,
                         height: Double(rowCount) * box.height + Double(max(0, rowCount - 1)) * HeatmapGrid.gap)
    }

    private var barHeight: Double { min(max(gridSize.height, ColorBar.minimumHeight), 220) }

    public var size: ChartSize {
        let origin = gridOrigin
        let grid = gridSize
        var width = origin.x + grid.width + 18 + ColorBar.width(range: resolvedRange, height: barHeight, style: style) + CartesianLayout.outerPad
        width = max(width, TextMetrics.width(title ?? "", fontSize: style.titleSize, bold: true) + 2 * CartesianLayout.outerPad + 4)
        width = max(width, TextMetrics.width(subtitle ?? "", fontSize: style.labelSize) + 2 * CartesianLayout.outerPad + 4)
        let height = origin.y + max(grid.height, barHeight) + CartesianLayout.outerPad
        return ChartSize(width: width.rounded(.up), height: height.rounded(.up))
    }

    public func draw(into svg: inout SVGWriter) {
        let style = self.style
        Draw.background(&svg, size: size, style: style)
        Draw.title(&svg, title: title, subtitle: subtitle, x: CartesianLayout.outerPad + 2, top: CartesianLayout.outerPad, style: style)
        let origin = gridOrigin
        let box = cellBox
        let range = resolvedRange
        for (index, item) in items.enumerated() {
            let row = index / columns
            let column = index % columns
            let x = origin.x + Double(column) * (box.width + HeatmapGrid.gap)
            let y = origin.y + Double(row) * (box.height + HeatmapGrid.gap)
            let itemWidth = Double(item.values.first?.count ?? 0) * cellSize
            let cellsOrigin = PixelPoint(x: x + (box.width - itemWidth) / 2, y: y)
            Heatmap.drawCells(&svg, values: item.values, origin: cellsOrigin, cellSize: cellSize, map: colorMap, range: range,
                              valueLabels: valueLabels, style: style)
            if let caption = item.caption, !caption.isEmpty {
                svg.text(caption, x: x + box.width / 2, y: y + Double(item.values.count) * cellSize + style.annotationSize + 2, attributes: [
                    ("class", "caption"), ("font-size", svgNumber(style.annotationSize)), ("fill", style.mutedTextColor.hex), ("text-anchor", "middle"),
                ])
            }
        }
        ColorBar.draw(&svg, origin: PixelPoint(x: origin.x + gridSize.width + 18, y: origin.y), height: barHeight,
                      map: colorMap, range: range, style: style)
    }
}
