/// Panels (plots or tiles) row by row under one title, one legend and, for tiles on one colour
/// scale, one colour bar at the right: one panel per activation, per block, per image, per kernel.
/// Each cell is as large as the largest panel; a narrower panel is centred in it.
public struct PanelGrid: Chart {
    public var title: String?
    public var subtitle: String?
    public var panels: [any Chart]
    public var columns: Int
    /// Drawn once, in rows under the title.
    public var legend: [LegendEntry]
    public var colorBar: ColorBar?
    /// Space between cells.
    public var gap: Double
    public var style: ChartStyle

    public init(title: String? = nil, subtitle: String? = nil, panels: [any Chart], columns: Int = 4, legend: [LegendEntry] = [],
                colorBar: ColorBar? = nil, gap: Double = 8, style: ChartStyle = .standard) {
        (self.title, self.subtitle, self.panels, self.columns) = (title, subtitle, panels, max(1, columns))
        (self.legend, self.colorBar, self.gap, self.style) = (legend, colorBar, gap, style)
    }

    public var accessibilityLabel: String { title ?? "panels" }

    var cell: ChartSize {
        ChartSize(width: panels.map(\.size.width).max() ?? 0, height: panels.map(\.size.height).max() ?? 0)
    }

    /// Width and height of the panels together.
    private var grid: ChartSize {
        let (used, rows) = (min(columns, max(1, panels.count)), (panels.count + columns - 1) / columns)
        return ChartSize(width: Double(used) * cell.width + Double(used - 1) * gap, height: Double(rows) * cell.height + Double(max(0, rows - 1)) * gap)
    }

    private var legendHeight: Double {
        legend.isEmpty ? 0 : LegendRows(entries: legend, style: style).layout(maxWidth: grid.width).size.height + 4
    }

    /// The top of the first row of panels.
    private var top: Double {
        let header = style.titleHeight(title, subtitle: subtitle) + legendHeight
        return ChartStyle.pad + header + (header > 0 ? 6 : 0)
    }

    private var barHeight: Double { min(max(grid.height, 72), 220) }

    /// Top-left corner of the cell of panel `index`.
    func origin(_ index: Int) -> PixelPoint {
        PixelPoint(x: ChartStyle.pad + Double(index % columns) * (cell.width + gap), y: top + Double(index / columns) * (cell.height + gap))
    }

    public var size: ChartSize {
        let bar = colorBar.map { 18 + $0.width(height: barHeight, style: style) } ?? 0
        let header = [TextMetrics.width(title ?? "", fontSize: style.titleSize, bold: true), TextMetrics.width(subtitle ?? "", fontSize: style.labelSize)].max()! + 4
        let width = max(grid.width + bar, header) + 2 * ChartStyle.pad
        return ChartSize(width: width.rounded(.up), height: (top + max(grid.height, colorBar == nil ? 0 : barHeight) + ChartStyle.pad).rounded(.up))
    }

    public func draw(into svg: inout SVGWriter) {
        style.drawTitle(&svg, title, subtitle: subtitle)
        LegendRows(entries: legend, style: style).draw(&svg, at: PixelPoint(x: ChartStyle.pad + 2, y: ChartStyle.pad + style.titleHeight(title, subtitle: subtitle) + 2), maxWidth: grid.width)
        for (index, panel) in panels.enumerated() {
            let corner = origin(index)
            let x = corner.x + ((cell.width - panel.size.width) / 2).rounded()
            svg.group([("class", "panel"), ("transform", "translate(\(svgNumber(x)) \(svgNumber(corner.y)))")]) { panel.draw(into: &$0) }
        }
        colorBar?.draw(&svg, at: PixelPoint(x: ChartStyle.pad + grid.width + 18, y: top), height: barHeight, style: style)
    }
}
