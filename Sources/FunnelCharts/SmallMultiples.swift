import Foundation

/// A grid of small charts under one title and one shared legend: one panel per activation, per
/// block, per image. Each panel keeps its own title.
///
/// Panels are laid out row by row in cells as large as the largest panel. For comparable panels,
/// give them the same axes (``LineChart/sharingAxes(_:x:y:)``) and ``ChartStyle/compact``.
public struct SmallMultiples: Chart {
    public var title: String?
    public var subtitle: String?
    public var panels: [any Chart]
    public var columns: Int
    /// Drawn once under the title (panels usually have `legend: .none`).
    public var legend: [LegendEntry]
    public var gap: Double
    public var style: ChartStyle

    public init(title: String? = nil, subtitle: String? = nil, panels: [any Chart], columns: Int = 4,
                legend: [LegendEntry] = [], gap: Double = 8, style: ChartStyle = .standard) {
        self.title = title
        self.subtitle = subtitle
        self.panels = panels
        self.columns = max(1, columns)
        self.legend = legend
        self.gap = gap
        self.style = style
    }

    public var accessibilityLabel: String { title ?? "small multiples" }

    var cellSize: ChartSize {
        ChartSize(width: panels.map(\.size.width).max() ?? 0, height: panels.map(\.size.height).max() ?? 0)
    }

    private var usedColumns: Int { min(columns, max(1, panels.count)) }
    private var rows: Int { (panels.count + columns - 1) / columns }
    private static let pad = 8.0

    private var gridWidth: Double {
        Double(usedColumns) * cellSize.width + Double(usedColumns - 1) * gap
    }

    private var headerHeight: Double {
        var h = SmallMultiples.pad + Draw.titleHeight(title: title, subtitle: subtitle, style: style)
        if !legend.isEmpty {
            h += 4 + LegendBlock(entries: legend, style: style).rows(maxWidth: gridWidth).size.height
        }
        return h + (h > SmallMultiples.pad ? 6 : 0)
    }

    /// Top-left corner of panel `index`.
    func panelOrigin(_ index: Int) -> PixelPoint {
        let cell = cellSize
        let row = index / columns
        let column = index % columns
        return PixelPoint(x: SmallMultiples.pad + Double(column) * (cell.width + gap),
                          y: headerHeight + Double(row) * (cell.height + gap))
    }

    public var size: ChartSize {
        let cell = cellSize
        let width = max(gridWidth, TextMetrics.width(title ?? "", fontSize: style.titleSize, bold: true)) + 2 * SmallMultiples.pad
        let height = headerHeight + Double(rows) * cell.height + Double(max(0, rows - 1)) * gap + SmallMultiples.pad
        return ChartSize(width: width.rounded(.up), height: height.rounded(.up))
    }

    public func draw(into svg: inout SVGWriter) {
        let style = self.style
        Draw.background(&svg, size: size, style: style)
        let below = Draw.title(&svg, title: title, subtitle: subtitle, x: SmallMultiples.pad + 2, top: SmallMultiples.pad, style: style)
        if !legend.isEmpty {
            LegendBlock(entries: legend, style: style).drawRows(&svg, at: PixelPoint(x: SmallMultiples.pad + 2, y: below + 2), maxWidth: gridWidth)
        }
        for (index, panel) in panels.enumerated() {
            let origin = panelOrigin(index)
            svg.group([("class", "panel"), ("transform", "translate(" + svgNumber(origin.x) + " " + svgNumber(origin.y) + ")")]) { svg in
                panel.draw(into: &svg)
            }
        }
    }
}

extension LineChart {
    /// Copies of `charts` whose x and/or y axes all span the union of their automatic ranges, so
    /// small multiples can be compared at a glance.
    public static func sharingAxes(_ charts: [LineChart], x: Bool = true, y: Bool = true) -> [LineChart] {
        let layouts = charts.map { $0.layout() }
        func union(_ domains: [ClosedRange<Double>]) -> ClosedRange<Double>? {
            guard let low = domains.map(\.lowerBound).min(), let high = domains.map(\.upperBound).max() else { return nil }
            return low...high
        }
        let xDomain = union(layouts.map(\.x.domain))
        let yDomain = union(layouts.map(\.y.domain))
        return charts.map { chart in
            var copy = chart
            if x, copy.xAxis.domain == nil { copy.xAxis.domain = xDomain }
            if y, copy.yAxis.domain == nil { copy.yAxis.domain = yDomain }
            return copy
        }
    }
}
