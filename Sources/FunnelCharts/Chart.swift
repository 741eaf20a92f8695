import Foundation

// Charts: the drawing layer of Funnel's reports.
//
// One layout, `Plot` (title, x and y `Axis`, gridlines, a legend under the plot), holds mark layers
// drawn in order: `Line`, `Band` (mean ± std), `Points`, `ErrorBars`, `Bars` (grouped, on a
// category axis), `Labels` (text beside points, clear of the other marks) and `ReferenceLine`.
// Tiles without axes draw a matrix on a colour map (`HeatCells`) or an image (`ImageTile`, a PNG
// encoded by libpng); `PanelGrid` sets plots or tiles under one title, one legend and one
// `ColorBar`. `HTMLReport` assembles charts and `HTMLTable`s into one self-contained page.
//
// Output is deterministic (numbers to 0.01 px, attributes in a fixed order) and every text is
// XML-escaped; there are no ids or clip paths, so many charts can share one HTML page.

/// Anything that draws itself as SVG at a known size: a plot, a tile, a grid of them.
public protocol Chart: Sendable {
    /// Outer size in pixels.
    var size: ChartSize { get }
    /// Short description for the document's `<title>` (screen readers, file browsers).
    var accessibilityLabel: String { get }
    /// Draws the chart with its top-left corner at the writer's origin.
    func draw(into svg: inout SVGWriter)
}

extension Chart {
    /// A standalone SVG document (for `.svg` files).
    public func svg() -> String { document(standalone: true) }

    /// The `<svg>` element to inline in HTML (without the namespace declaration HTML does not need).
    public func inlineSVG() -> String { document(standalone: false) }

    /// Writes ``svg()`` to `url` as UTF-8.
    public func write(to url: URL) throws { try Data(svg().utf8).write(to: url) }

    private func document(standalone: Bool) -> String {
        let w = svgNumber(size.width), h = svgNumber(size.height)
        var svg = SVGWriter()
        svg.element("rect", ["x": "0", "y": "0", "width": w, "height": h, "fill": "#ffffff"])
        draw(into: &svg)
        return "<svg" + (standalone ? " xmlns=\"http://www.w3.org/2000/svg\"" : "")
            + " width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" role=\"img\" font-family=\"\(XML.escape(ChartStyle.fontFamily))\">\n"
            + "<title>" + XML.escape(accessibilityLabel) + "</title>\n" + svg.markup + "</svg>\n"
    }
}

/// Width and height of a chart in SVG pixels.
public struct ChartSize: Sendable, Hashable {
    public var width: Double
    public var height: Double

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }
}
