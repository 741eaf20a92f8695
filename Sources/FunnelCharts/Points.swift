extension SVGWriter {
    /// A circular marker centred at `p`; `outline` rings it in white so that it stands apart from lines.
    mutating func marker(at p: PixelPoint, radius: Double, fill: String, outline: Bool) {
        element("circle", attributes: [("cx", svgNumber(p.x)), ("cy", svgNumber(p.y)), ("r", svgNumber(radius)), ("fill", fill)]
            + (outline ? [("stroke", "#ffffff"), ("stroke-width", "1")] : []))
    }
}

/// Points in x-y: opaque markers ringed in white (one per activation), or, below full opacity, a
/// cloud of small dots whose colour deepens where they pile up (an activation's input against its
/// output). Points outside the plot are left out.
public struct Points: Mark {
    public var name: String?
    public var x: [Double]
    public var y: [Double]
    public var color: Color
    /// nil: half a pixel more than the style's marker radius.
    public var radius: Double?
    public var opacity: Double

    public init(_ name: String?, x: [Double], y: [Double], color: Color, radius: Double? = nil, opacity: Double = 1) {
        precondition(x.count == y.count, "[Points] '\(name ?? "")': \(x.count) x values but \(y.count) y values")
        (self.name, self.x, self.y, self.color, self.radius, self.opacity) = (name, x, y, color, radius, opacity)
    }

    public var extent: (x: [Double], y: [Double]) { (x, y) }

    public var legend: [LegendEntry] { name.map { [LegendEntry($0, color: color, marker: true)] } ?? [] }

    public func draw(into svg: inout SVGWriter, in area: inout PlotArea) {
        let radius = self.radius ?? area.style.markerRadius + 0.5
        let centres = zip(x, y).compactMap { area.pixel($0, $1) }.filter(area.rect.contains)
        area.covered += centres.map { .box(ChartRect.around($0, radius: radius + 1)) }
        let (color, outline) = (color.hex, opacity >= 1)
        svg.group([("class", outline ? "points" : "cloud")] + (name.map { [("data-name", $0)] } ?? [])
                  + (outline ? [] : [("fill-opacity", svgNumber(opacity))])) { svg in
            for p in centres { svg.marker(at: p, radius: radius, fill: color, outline: outline) }
        }
    }
}
