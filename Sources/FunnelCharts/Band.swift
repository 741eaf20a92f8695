/// A translucent band between a lower and an upper curve (mean ± std over seeds), clipped to the
/// plot. Named like its line, it joins that line's legend row.
public struct Band: Mark {
    public var name: String?
    public var x: [Double]
    public var lower: [Double]
    public var upper: [Double]
    public var color: Color

    /// The band spans `mean` ± `std`.
    public init(_ name: String?, x: [Double], mean: [Double], std: [Double], color: Color) {
        precondition(mean.count == x.count && std.count == x.count,
                     "[Band] '\(name ?? "")': \(x.count) x values need as many means and deviations, got \(mean.count) and \(std.count)")
        (self.name, self.x, self.color) = (name, x, color)
        (lower, upper) = (zip(mean, std).map { $0 - $1 }, zip(mean, std).map { $0 + $1 })
    }

    public var extent: (x: [Double], y: [Double]) { (x + x, lower + upper) }

    public var legend: [LegendEntry] { name.map { [LegendEntry($0, color: color, band: true)] } ?? [] }

    public func draw(into svg: inout SVGWriter, in area: inout PlotArea) {
        let valid = x.indices.filter { area.pixel(x[$0], lower[$0]) != nil && area.pixel(x[$0], upper[$0]) != nil }
        guard valid.count > 1 else { return }
        let outline = valid.map { area.pixel(x[$0], upper[$0])! } + valid.reversed().map { area.pixel(x[$0], lower[$0])! }
        let polygon = Clip.polygon(outline, to: area.rect)
        guard polygon.count > 2 else { return }
        var d = PathData()
        d.polyline(polygon)
        d.close()
        svg.element("path", ["class": "band", "d": d.text, "fill": color.hex, "fill-opacity": svgNumber(area.style.bandOpacity), "stroke": "none"])
    }
}
