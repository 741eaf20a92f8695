/// Fonts, colours and line weights shared by every chart, so the figures of a report look alike.
public struct ChartStyle: Sendable, Hashable {
    /// CSS font stack of every chart (system fonts: nothing is downloaded).
    static let fontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', sans-serif"

    public var titleSize = 15.0
    /// Axis titles and subtitles.
    public var labelSize = 12.5
    public var tickSize = 11.5
    public var legendSize = 12.0
    /// Point labels and captions inside a figure.
    public var annotationSize = 11.0
    public var textColor = Color(hex: "#1f1f1f")
    public var mutedTextColor = Color(hex: "#595959")
    public var gridColor = Color(hex: "#e6e6e6")
    public var axisColor = Color(hex: "#8c8c8c")
    public var lineWidth = 2.0
    public var markerRadius = 3.5
    /// Fill opacity of bands (mean ± std).
    public var bandOpacity = 0.18

    /// For single figures.
    public static let standard = ChartStyle()

    /// Smaller type and thinner lines, for the panels of a ``PanelGrid``.
    public static let compact = ChartStyle(titleSize: 13, labelSize: 11, tickSize: 10.5, legendSize: 11.5, annotationSize: 10.5,
                                           lineWidth: 1.6, markerRadius: 2.8)

    /// Room around a chart's content.
    static let pad = 8.0

    /// Height of the title block drawn by ``drawTitle(_:_:subtitle:)``.
    func titleHeight(_ title: String?, subtitle: String?) -> Double {
        (title?.isEmpty == false ? titleSize + 5 : 0) + (subtitle?.isEmpty == false ? labelSize + 5 : 0)
    }

    /// A title (semi-bold) and a subtitle (muted) left-aligned from the top-left corner.
    func drawTitle(_ svg: inout SVGWriter, _ title: String?, subtitle: String?) {
        var y = ChartStyle.pad
        if let title, !title.isEmpty {
            y += titleSize
            svg.text(title, x: ChartStyle.pad + 2, y: y, [("font-size", svgNumber(titleSize)), ("font-weight", "600"), ("fill", textColor.hex)])
            y += 5
        }
        if let subtitle, !subtitle.isEmpty {
            svg.text(subtitle, x: ChartStyle.pad + 2, y: y + labelSize, [("font-size", svgNumber(labelSize)), ("fill", mutedTextColor.hex)])
        }
    }

    /// A caption line centred under a tile.
    func drawCaption(_ svg: inout SVGWriter, _ caption: String?, x: Double, y: Double) {
        guard let caption, !caption.isEmpty else { return }
        svg.text(caption, x: x, y: y + annotationSize + 2, [
            ("class", "caption"), ("font-size", svgNumber(annotationSize)), ("fill", mutedTextColor.hex), ("text-anchor", "middle"),
        ])
    }
}

/// Approximate text widths, for layout only (the browser does the real typesetting): Helvetica's
/// advance widths for ASCII, widened by 15 % because the usual Linux font (DejaVu Sans) runs wider;
/// anything else counts as 0.6 em. Overestimates only cost whitespace.
enum TextMetrics {
    private static let asciiWidths: [Int] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, // 0 to @
        667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // A-Z
        278, 278, 278, 469, 556, 333, // [ to `
        556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // a-z
        334, 260, 334, 584, // { to ~
    ]

    /// Estimated width in pixels of `text` at `fontSize`.
    static func width(_ text: String, fontSize: Double, bold: Bool = false) -> Double {
        let units = text.unicodeScalars.reduce(0) { sum, s in sum + ((32..<127).contains(s.value) ? asciiWidths[Int(s.value) - 32] : 600) }
        return Double(units) / 1000 * fontSize * 1.15 * (bold ? 1.06 : 1)
    }
}

/// A label with a typographic minus sign for a leading hyphen.
func displayMinus(_ label: String) -> String {
    label.hasPrefix("-") ? "\u{2212}" + label.dropFirst() : label
}
