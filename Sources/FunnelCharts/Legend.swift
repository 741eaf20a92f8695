/// One row of a legend: a name and its symbol in a colour (a line sample with an optional marker,
/// a band, a marker alone, or a filled square).
public struct LegendEntry: Sendable, Hashable {
    public var name: String
    public var color: Color
    public var line: LineDash?
    public var marker: Bool
    /// A translucent band behind the line sample.
    public var band: Bool
    /// A filled square (bars, masks).
    public var swatch: Bool

    public init(_ name: String, color: Color, line: LineDash? = nil, marker: Bool = false, band: Bool = false, swatch: Bool = false) {
        (self.name, self.color, self.line, self.marker, self.band, self.swatch) = (name, color, line, marker, band, swatch)
    }

    /// One entry per name, in order of first appearance, with the symbols of all layers of that name
    /// (a band and a line named "ReLU" make one row).
    static func merged(_ entries: [LegendEntry]) -> [LegendEntry] {
        var result: [LegendEntry] = []
        for entry in entries {
            guard let i = result.firstIndex(where: { $0.name == entry.name }) else {
                result.append(entry)
                continue
            }
            result[i].line = result[i].line ?? entry.line
            result[i].marker = result[i].marker || entry.marker
            result[i].band = result[i].band || entry.band
            result[i].swatch = result[i].swatch || entry.swatch
        }
        return result
    }
}

/// Legend entries in rows that wrap at a width: under a plot, or under a grid's title.
struct LegendRows {
    var entries: [LegendEntry]
    var style: ChartStyle

    static let symbolWidth = 24.0, symbolGap = 6.0, columnGap = 18.0

    var rowHeight: Double { style.legendSize + 7 }

    /// Each entry's top-left corner, and the size of the whole, within `maxWidth`.
    func layout(maxWidth: Double) -> (origins: [PixelPoint], size: ChartSize) {
        var origins: [PixelPoint] = [], x = 0.0, y = 0.0, widest = 0.0
        for entry in entries {
            let width = Self.symbolWidth + Self.symbolGap + TextMetrics.width(entry.name, fontSize: style.legendSize)
            if x > 0 && x + width > maxWidth { (x, y) = (0, y + rowHeight) }
            origins.append(PixelPoint(x: x, y: y))
            widest = max(widest, x + width)
            x += width + Self.columnGap
        }
        return (origins, ChartSize(width: widest, height: entries.isEmpty ? 0 : y + rowHeight))
    }

    func draw(_ svg: inout SVGWriter, at origin: PixelPoint, maxWidth: Double) {
        let origins = layout(maxWidth: maxWidth).origins
        svg.group([("class", "legend"), ("font-size", svgNumber(style.legendSize)), ("fill", style.textColor.hex)]) { svg in
            for (entry, corner) in zip(entries, origins) {
                let (x0, midY) = (origin.x + corner.x, origin.y + corner.y + rowHeight / 2)
                let x1 = x0 + Self.symbolWidth, centre = PixelPoint(x: x0 + Self.symbolWidth / 2, y: midY)
                let color = entry.color.hex
                if entry.band {
                    svg.element("rect", ["x": svgNumber(x0), "y": svgNumber(midY - 5), "width": svgNumber(Self.symbolWidth), "height": "10",
                                         "fill": color, "fill-opacity": svgNumber(style.bandOpacity + 0.07)])
                }
                if entry.swatch {
                    svg.element("rect", ["x": svgNumber(x0 + 5), "y": svgNumber(midY - 6), "width": "14", "height": "12", "rx": "2", "fill": color])
                }
                if let dash = entry.line {
                    svg.element("line", attributes: [("x1", svgNumber(x0)), ("y1", svgNumber(midY)), ("x2", svgNumber(x1)), ("y2", svgNumber(midY)),
                                                     ("stroke", color), ("stroke-width", svgNumber(style.lineWidth))] + dash.attributes(width: style.lineWidth))
                }
                if entry.marker {
                    // On a line sample, outlined like the line's markers; alone, as the points are drawn.
                    let alone = entry.line == nil
                    svg.marker(at: centre, radius: style.markerRadius + (alone ? 0.5 : 0), fill: color, outline: !alone)
                }
                svg.text(entry.name, x: x1 + Self.symbolGap, y: midY + style.legendSize * 0.35)
            }
        }
    }
}
