import Foundation

/// A translucent band between a lower and an upper curve (mean ± std over seeds), clipped to the
/// plot. Named like its line, it joins that line's legend row.
public struct Band: Mark {
    public var name: String?
    public var x: [Double]
    public var lower: [Double]
    public var upper: [Double]
    public var color: Color

    public init(_ name: String?, x: [Double], lower: [Double], upper: [Double], color: Color) {
        precondition(lower.count == x.count && upper.count == x.count,
                     "[Band] '\(name ?? "")': \(x.count) x values need as many bounds, got \(lower.count) and \(upper.count)")
        (self.name, self.x, self.lower, self.upper, self.color) = (name, x, lower, upper, color)
    }

    /// `mean` ± `k` standard deviations.
    public init(_ name: String?, x: [Double], mean: [Double], std: [Double], k: Double = 1, color: Color) {
        self.init(name, x: x, lower: zip(mean, std).map { $0 - k * $1 }, upper: zip(mean, std).map { $0 + k * $1 }, color: color)
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
