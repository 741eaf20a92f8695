import Foundation

/// Where a chart puts its legend. No placement lets the legend cover data.
public enum LegendPlacement: Sendable, Hashable {
    /// A corner inside the plot that no data touches, tried in the order top-right, top-left,
    /// bottom-right, bottom-left; otherwise outside on the right (or above, for narrow charts).
    case auto
    /// Outside the plot, right of it.
    case right
    /// Outside the plot, between the title and the plot, in rows.
    case top
    /// Outside the plot, below the x-axis title, in rows.
    case bottom
    /// Inside the plot in this corner, on a white backing (the caller vouches it is free).
    case inside(Corner)
    /// Line charts: each series' name at the right end of its line (other charts: `.right`).
    case lineEnds
    /// No legend.
    case none
}

/// A corner of the plot area.
public enum Corner: Sendable, Hashable, CaseIterable {
    case topRight
    case topLeft
    case bottomRight
    case bottomLeft
}

/// One legend row: a symbol in a colour and a name.
public struct LegendEntry: Sendable, Hashable {
    public enum Symbol: Sendable, Hashable {
        /// A line sample, optionally with a marker and a translucent band behind it.
        case line(LineDash, marker: MarkerShape?, band: Bool)
        /// A marker alone (scatter series).
        case marker(MarkerShape)
        /// A filled square (bars, heatmap categories).
        case swatch
    }

    public var name: String
    public var color: Color
    public var symbol: Symbol

    public init(_ name: String, color: Color, symbol: Symbol = .line(.solid, marker: nil, band: false)) {
        self.name = name
        self.color = color
        self.symbol = symbol
    }
}

/// Measures and draws a list of legend entries, stacked or in wrapped rows.
struct LegendBlock {
    var entries: [LegendEntry]
    var style: ChartStyle

    static let symbolWidth = 24.0
    static let symbolGap = 6.0
    static let columnGap = 18.0
    /// Inner padding of a legend drawn inside the plot on its white backing.
    static let padding = 7.0

    var rowHeight: Double { style.legendSize + 7 }

    func entryWidth(_ entry: LegendEntry) -> Double {
        LegendBlock.symbolWidth + LegendBlock.symbolGap + TextMetrics.width(entry.name, fontSize: style.legendSize)
    }

    /// Size of the stacked (one entry a row) form, without padding.
    var stackedSize: ChartSize {
        let width = entries.map(entryWidth).max() ?? 0
        return ChartSize(width: width, height: Double(entries.count) * rowHeight)
    }

    /// Entry origins for the wrapped-rows form within `maxWidth`, and its size.
    func rows(maxWidth: Double) -> (origins: [PixelPoint], size: ChartSize) {
        var origins: [PixelPoint] = []
        var x = 0.0
        var y = 0.0
        var widest = 0.0
        for entry in entries {
            let w = entryWidth(entry)
            if x > 0 && x + w > maxWidth {
                x = 0
                y += rowHeight
            }
            origins.append(PixelPoint(x: x, y: y))
            x += w + LegendBlock.columnGap
            widest = max(widest, x - LegendBlock.columnGap)
        }
        return (origins, ChartSize(width: widest, height: entries.isEmpty ? 0 : y + rowHeight))
    }

    /// Draws the stacked form with its top-left at `origin`; `backing` adds a white panel.
    func drawStacked(_ svg: inout SVGWriter, at origin: PixelPoint, backing: Bool) {
        if backing {
            let size = stackedSize
            let pad = LegendBlock.padding
            svg.element("rect", [
                "x": svgNumber(origin.x - pad), "y": svgNumber(origin.y - pad),
                "width": svgNumber(size.width + 2 * pad), "height": svgNumber(size.height + 2 * pad),
                "rx": "3", "fill": "#ffffff", "fill-opacity": "0.92", "stroke": style.gridColor.hex,
            ])
        }
        let origins = entries.indices.map { PixelPoint(x: origin.x, y: origin.y + Double($0) * rowHeight) }
        drawEntries(&svg, origins: origins)
    }

    /// Draws the wrapped-rows form with its top-left at `origin`.
    func drawRows(_ svg: inout SVGWriter, at origin: PixelPoint, maxWidth: Double) {
        let layout = rows(maxWidth: maxWidth)
        drawEntries(&svg, origins: layout.origins.map { PixelPoint(x: origin.x + $0.x, y: origin.y + $0.y) })
    }

    private func drawEntries(_ svg: inout SVGWriter, origins: [PixelPoint]) {
        let style = self.style
        svg.group([("class", "legend"), ("font-size", svgNumber(style.legendSize)), ("fill", style.textColor.hex)]) { svg in
            for (entry, origin) in zip(entries, origins) {
                let midY = origin.y + rowHeight / 2
                let x0 = origin.x
                let x1 = origin.x + LegendBlock.symbolWidth
                switch entry.symbol {
                case let .line(dash, marker, band):
                    if band {
                        svg.element("rect", [
                            "x": svgNumber(x0), "y": svgNumber(midY - 5), "width": svgNumber(x1 - x0), "height": "10",
                            "fill": entry.color.hex, "fill-opacity": svgNumber(style.bandOpacity + 0.07),
                        ])
                    }
                    var attributes: [(String, String)] = [
                        ("x1", svgNumber(x0)), ("y1", svgNumber(midY)), ("x2", svgNumber(x1)), ("y2", svgNumber(midY)),
                        ("stroke", entry.color.hex), ("stroke-width", svgNumber(style.lineWidth)),
                    ]
                    if let pattern = dash.pattern(width: style.lineWidth) {
                        attributes.append(("stroke-dasharray", pattern))
                        attributes.append(("stroke-linecap", dash == .dotted ? "round" : "butt"))
                    }
                    svg.element("line", attributes: attributes)
                    if let marker {
                        Draw.marker(&svg, marker, at: PixelPoint(x: (x0 + x1) / 2, y: midY), radius: style.markerRadius,
                                    fill: entry.color.hex, stroke: "#ffffff")
                    }
                case let .marker(shape):
                    Draw.marker(&svg, shape, at: PixelPoint(x: (x0 + x1) / 2, y: midY), radius: style.markerRadius + 0.5,
                                fill: entry.color.hex, stroke: nil)
                case .swatch:
                    svg.element("rect", [
                        "x": svgNumber(x0 + 5), "y": svgNumber(midY - 6), "width": "14", "height": "12",
                        "rx": "2", "fill": entry.color.hex,
                    ])
                }
                svg.text(entry.name, x: x1 + LegendBlock.symbolGap, y: midY + style.legendSize * 0.35)
            }
        }
    }
}
