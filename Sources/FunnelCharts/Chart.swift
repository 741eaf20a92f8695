import Foundation

// Charts: the drawing layer of Funnel's reports.
//
// Every chart is a value type that draws SVG (`svg()` for a standalone file, `inlineSVG()` for an
// HTML page); `HTMLReport` assembles charts and `HTMLTable`s into one self-contained page.
//
//   LineChart       series of (x, y), bands (mean ± std), markers, dashes, log axes
//   ScatterChart    labelled points with error bars, or dense translucent clouds
//   BarChart        grouped bars with error bars (models x activations)
//   Heatmap         a matrix on a diverging or sequential colour map, with colour bar
//   HeatmapGrid     many small matrices on one colour scale (3x3 funnel kernels)
//   ImageTile       an RGB image (PNG data URI or rects) with a mask overlay
//   SmallMultiples  a grid of any charts under one title and legend
//
// Shared pieces: `ChartAxis` (title, linear/log, fixed or automatic range, `NumberFormat`),
// `LinearScale`/`LogScale` (1-2-5 ticks), `ChartStyle` (fonts, colours; `.compact` for panels),
// `Palette` (Okabe–Ito; `Palette.assign` keeps one colour per activation across figures),
// `ColorMap` (viridis, blue-red), `LegendPlacement` (legends never cover data), `ReferenceLine`.
//
// Output is deterministic (fixed-precision numbers, ordered attributes, no ids or clip paths, so
// many charts can share one HTML page) and every text is XML-escaped. `ChartDemo` writes a sample
// report with synthetic data for looking at the whole set in a browser.

/// Anything that draws itself as SVG at a known size: every chart type here, and panels of
/// ``SmallMultiples``.
public protocol Chart: Sendable {
    /// Outer size in pixels.
    var size: ChartSize { get }
    /// Draws the chart with its top-left corner at the writer's current origin.
    func draw(into svg: inout SVGWriter)
    /// Short description for the document's `<title>` (screen readers, file browsers).
    var accessibilityLabel: String { get }
}

extension Chart {
    /// A standalone SVG document (for `.svg` files).
    public func svg() -> String {
        document(standalone: true)
    }

    /// The `<svg>` element to inline in HTML (no XML namespace declaration, which HTML does not need).
    public func inlineSVG() -> String {
        document(standalone: false)
    }

    /// Writes ``svg()`` to `url` as UTF-8.
    public func write(to url: URL) throws {
        try Data(svg().utf8).write(to: url)
    }

    public var accessibilityLabel: String { "chart" }

    private func document(standalone: Bool) -> String {
        let w = svgNumber(size.width)
        let h = svgNumber(size.height)
        var head = "<svg"
        if standalone { head += " xmlns=\"http://www.w3.org/2000/svg\"" }
        head += " width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" role=\"img\""
        head += " font-family=\"\(XML.escape(ChartStyle.standard.fontFamily))\">\n"
        head += "<title>" + XML.escape(accessibilityLabel) + "</title>\n"
        var writer = SVGWriter()
        draw(into: &writer)
        return head + writer.markup + "</svg>\n"
    }
}

/// Line dash patterns; derivatives are conventionally dashed.
public enum LineDash: Sendable, Hashable {
    case solid
    case dashed
    case dotted
    case dashDot

    /// The `stroke-dasharray` for a line of `width`, nil for solid.
    func pattern(width: Double) -> String? {
        let w = max(1, width)
        switch self {
        case .solid: return nil
        case .dashed: return svgNumber(3 * w) + " " + svgNumber(2 * w)
        case .dotted: return svgNumber(0.01) + " " + svgNumber(2 * w)
        case .dashDot: return [4 * w, 1.6 * w, 0.01, 1.6 * w].map(svgNumber).joined(separator: " ")
        }
    }

    /// Dash used for the repeat of a palette colour (series 9 and on).
    static func cycle(_ n: Int) -> LineDash {
        [.solid, .dashed, .dotted, .dashDot][n % 4]
    }
}

/// Marker shapes for points.
public enum MarkerShape: Sendable, Hashable, CaseIterable {
    case circle
    case square
    case triangle
    case diamond
}

enum Draw {
    /// White (or styled) background rectangle covering the chart.
    static func background(_ svg: inout SVGWriter, size: ChartSize, style: ChartStyle) {
        guard let background = style.background else { return }
        svg.element("rect", [
            "x": "0", "y": "0", "width": svgNumber(size.width), "height": svgNumber(size.height), "fill": background.hex,
        ])
    }

    /// Title (semi-bold) and optional subtitle (muted), left-aligned at `x`; returns the y below them.
    @discardableResult
    static func title(_ svg: inout SVGWriter, title: String?, subtitle: String?, x: Double, top: Double, style: ChartStyle) -> Double {
        var y = top
        if let title, !title.isEmpty {
            y += style.titleSize
            svg.text(title, x: x, y: y, attributes: [
                ("font-size", svgNumber(style.titleSize)), ("font-weight", "600"), ("fill", style.textColor.hex),
            ])
            y += 5
        }
        if let subtitle, !subtitle.isEmpty {
            y += style.labelSize
            svg.text(subtitle, x: x, y: y, attributes: [
                ("font-size", svgNumber(style.labelSize)), ("fill", style.mutedTextColor.hex),
            ])
            y += 5
        }
        return y
    }

    /// Height that ``title(_:title:subtitle:x:top:style:)`` takes.
    static func titleHeight(title: String?, subtitle: String?, style: ChartStyle) -> Double {
        var h = 0.0
        if let title, !title.isEmpty { h += style.titleSize + 5 }
        if let subtitle, !subtitle.isEmpty { h += style.labelSize + 5 }
        return h
    }

    /// One marker centred at `p`.
    static func marker(_ svg: inout SVGWriter, _ shape: MarkerShape, at p: PixelPoint, radius r: Double, fill: String, stroke: String?, strokeWidth: Double = 1) {
        var attributes: [(String, String)] = []
        switch shape {
        case .circle:
            attributes = [("cx", svgNumber(p.x)), ("cy", svgNumber(p.y)), ("r", svgNumber(r))]
        case .square:
            let s = r * 0.9
            attributes = [("x", svgNumber(p.x - s)), ("y", svgNumber(p.y - s)), ("width", svgNumber(2 * s)), ("height", svgNumber(2 * s))]
        case .triangle:
            let s = r * 1.25
            var d = PathData()
            d.move(PixelPoint(x: p.x, y: p.y - s))
            d.line(PixelPoint(x: p.x + s * 0.866, y: p.y + s * 0.5))
            d.line(PixelPoint(x: p.x - s * 0.866, y: p.y + s * 0.5))
            d.closePath()
            attributes = [("d", d.text)]
        case .diamond:
            let s = r * 1.25
            var d = PathData()
            d.move(PixelPoint(x: p.x, y: p.y - s))
            d.line(PixelPoint(x: p.x + s, y: p.y))
            d.line(PixelPoint(x: p.x, y: p.y + s))
            d.line(PixelPoint(x: p.x - s, y: p.y))
            d.closePath()
            attributes = [("d", d.text)]
        }
        attributes.append(("fill", fill))
        if let stroke {
            attributes.append(("stroke", stroke))
            attributes.append(("stroke-width", svgNumber(strokeWidth)))
        }
        let name: String
        switch shape {
        case .circle: name = "circle"
        case .square: name = "rect"
        case .triangle, .diamond: name = "path"
        }
        svg.element(name, attributes: attributes)
    }
}
