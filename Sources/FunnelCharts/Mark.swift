/// A layer of a ``Plot``: lines, bands, points, error bars, bars, labels, reference lines. Layers
/// draw in order, each over the ones before.
public protocol Mark: Sendable {
    /// The data values an automatic axis range must include.
    var extent: (x: [Double], y: [Double]) { get }
    /// The layer's rows in the plot's legend (merged by name with other layers').
    var legend: [LegendEntry] { get }
    /// Draws the layer in `area`, recording what it covers for the layers after it.
    func draw(into svg: inout SVGWriter, in area: inout PlotArea)
}

extension Mark {
    public var legend: [LegendEntry] { [] }
}

/// Where a plot's layers draw: the plot rectangle, its two scales, the style, and what the
/// layers drawn so far cover (so that ``Labels`` keep clear of it).
public struct PlotArea {
    var rect: ChartRect
    var x: any Scale
    var y: any Scale
    var style: ChartStyle
    var covered: [Obstacle] = []

    /// The pixel of data point (`x`, `y`), or nil when either value cannot be drawn (not finite,
    /// or not positive on a log axis).
    func pixel(_ x: Double, _ y: Double) -> PixelPoint? {
        guard self.x.accepts(x), self.y.accepts(y) else { return nil }
        return PixelPoint(x: self.x.position(x), y: self.y.position(y))
    }
}
