import Foundation

/// Fonts, colours and line weights shared by every chart, so the figures of a report look alike.
public struct ChartStyle: Sendable, Hashable {
    /// CSS font stack (system fonts: nothing is downloaded).
    public var fontFamily: String
    public var titleSize: Double
    /// Axis titles and panel subtitles.
    public var labelSize: Double
    public var tickSize: Double
    public var legendSize: Double
    /// Point labels, cell values, captions inside a figure.
    public var annotationSize: Double
    public var textColor: Color
    public var mutedTextColor: Color
    public var gridColor: Color
    public var axisColor: Color
    /// Drawn behind the whole chart; nil leaves it transparent.
    public var background: Color?
    /// Series colours, used in order (series may also name their own).
    public var palette: [Color]
    public var lineWidth: Double
    public var markerRadius: Double
    /// Fill opacity of bands (mean ± std).
    public var bandOpacity: Double

    public init(
        fontFamily: String = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', sans-serif",
        titleSize: Double = 15,
        labelSize: Double = 12.5,
        tickSize: Double = 11.5,
        legendSize: Double = 12,
        annotationSize: Double = 11,
        textColor: Color = Color(hex: "#1f1f1f"),
        mutedTextColor: Color = Color(hex: "#595959"),
        gridColor: Color = Color(hex: "#e6e6e6"),
        axisColor: Color = Color(hex: "#8c8c8c"),
        background: Color? = .white,
        palette: [Color] = Palette.series,
        lineWidth: Double = 2,
        markerRadius: Double = 3.5,
        bandOpacity: Double = 0.18
    ) {
        self.fontFamily = fontFamily
        self.titleSize = titleSize
        self.labelSize = labelSize
        self.tickSize = tickSize
        self.legendSize = legendSize
        self.annotationSize = annotationSize
        self.textColor = textColor
        self.mutedTextColor = mutedTextColor
        self.gridColor = gridColor
        self.axisColor = axisColor
        self.background = background
        self.palette = palette
        self.lineWidth = lineWidth
        self.markerRadius = markerRadius
        self.bandOpacity = bandOpacity
    }

    /// For single figures in a report.
    public static let standard = ChartStyle()

    /// Smaller type and thinner lines, for the panels of ``SmallMultiples``.
    public static let compact = ChartStyle(
        titleSize: 13, labelSize: 11, tickSize: 10.5, legendSize: 11.5, annotationSize: 10.5,
        lineWidth: 1.6, markerRadius: 2.8
    )

    /// The colour of series `index` when it names none. Past the palette's end colours repeat;
    /// ``dashCycle(_:)`` then tells the repeats apart.
    func seriesColor(_ index: Int) -> Color {
        Palette.color(index, in: palette)
    }

    /// How many times the palette has wrapped around for series `index`.
    func dashCycle(_ index: Int) -> Int {
        index / max(1, palette.count)
    }
}

/// Approximate text widths, for layout only (the browser does the real typesetting).
///
/// Helvetica advance widths for ASCII, widened by 15 % because the usual Linux system font
/// (DejaVu Sans) runs wider; everything else counts as 0.6 em. Overestimates only cost whitespace.
enum TextMetrics {
    private static let asciiWidths: [Int] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0-9
        278, 278, 584, 584, 584, 556, 1015, // : to @
        667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, // A-M
        722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // N-Z
        278, 278, 278, 469, 556, 333, // [ to `
        556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, // a-m
        556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // n-z
        334, 260, 334, 584, // { to ~
    ]

    /// Estimated width in pixels of `text` at `fontSize`.
    static func width(_ text: String, fontSize: Double, bold: Bool = false) -> Double {
        var units = 0
        for scalar in text.unicodeScalars {
            let v = Int(scalar.value)
            units += (v >= 32 && v < 127) ? asciiWidths[v - 32] : 600
        }
        return Double(units) / 1000 * fontSize * 1.15 * (bold ? 1.06 : 1)
    }
}

/// Replaces a leading ASCII hyphen with a typographic minus sign, for labels drawn in charts.
func displayMinus(_ label: String) -> String {
    var text = label.replacingOccurrences(of: "e-", with: "e\u{2212}")
    if text.hasPrefix("-") { text = "\u{2212}" + text.dropFirst() }
    return text
}
