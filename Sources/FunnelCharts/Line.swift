/// Line dash patterns; derivatives are conventionally dashed.
public enum LineDash: Sendable, Hashable {
    case solid
    case dashed
    case dotted

    /// The stroke's dash pattern for a line `width` wide and its line caps (a dotted line's dots
    /// are its round caps).
    func attributes(width: Double, cap: String = "butt") -> [(String, String)] {
        let w = max(1, width)
        switch self {
        case .solid: return [("stroke-linecap", cap)]
        case .dashed: return [("stroke-linecap", cap), ("stroke-dasharray", svgNumber(3 * w) + " " + svgNumber(2 * w))]
        case .dotted: return [("stroke-linecap", "round"), ("stroke-dasharray", "0.01 " + svgNumber(2 * w))]
        }
    }
}

/// Points joined in order, clipped to the plot; a value that cannot be drawn (NaN, or not positive
/// on a log axis) breaks the line. Optional circular markers sit on the points.
public struct Line: Mark {
    /// The legend's name for the line; nil leaves it out of the legend.
    public var name: String?
    public var x: [Double]
    public var y: [Double]
    public var color: Color
    public var dash: LineDash
    public var markers: Bool

    public init(_ name: String?, x: [Double], y: [Double], color: Color, dash: LineDash = .solid, markers: Bool = false) {
        precondition(x.count == y.count, "[Line] '\(name ?? "")': \(x.count) x values but \(y.count) y values")
        (self.name, self.x, self.y, self.color, self.dash, self.markers) = (name, x, y, color, dash, markers)
    }

    public var extent: (x: [Double], y: [Double]) { (x, y) }

    public var legend: [LegendEntry] {
        name.map { [LegendEntry($0, color: color, line: dash, marker: markers)] } ?? []
    }

    public func draw(into svg: inout SVGWriter, in area: inout PlotArea) {
        // Runs between the values that cannot be drawn, each clipped to the plot.
        let runs = zip(x, y).map { area.pixel($0, $1) }.split(separator: nil).flatMap { Clip.polyline($0.compactMap { $0 }, to: area.rect) }.map { simplified($0) }
        var d = PathData()
        runs.forEach { d.polyline($0) }
        for run in runs { area.covered += zip(run, run.dropFirst()).map { .segment($0, $1) } }
        let width = area.style.lineWidth
        if !d.isEmpty {
            svg.element("path", attributes: [("class", "series")] + (name.map { [("data-name", $0)] } ?? []) + [
                ("d", d.text), ("fill", "none"), ("stroke", color.hex), ("stroke-width", svgNumber(width)), ("stroke-linejoin", "round"),
            ] + dash.attributes(width: width, cap: "round"))
        }
        guard markers else { return }
        let radius = area.style.markerRadius
        let centres = zip(x, y).compactMap { area.pixel($0, $1) }.filter { area.rect.expanded(by: 0.5).contains($0) }
        area.covered += centres.map { .box(ChartRect.around($0, radius: radius + 1)) }
        svg.group([("class", "markers")]) { svg in
            for p in centres { svg.marker(at: p, radius: radius, fill: color.hex, outline: true) }
        }
    }
}
