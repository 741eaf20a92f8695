/// Error bars: value ± error across x and/or up y at each point (one standard deviation over
/// runs), with caps, clipped to the plot.
public struct ErrorBars: Mark {
    public var x: [Double]
    public var y: [Double]
    /// Half-widths of the horizontal bars; nil for none.
    public var xError: [Double]?
    /// Half-heights of the vertical bars; nil for none.
    public var yError: [Double]?
    public var color: Color

    public init(x: [Double], y: [Double], xError: [Double]? = nil, yError: [Double]? = nil, color: Color) {
        precondition(x.count == y.count && xError.map { $0.count == x.count } != false && yError.map { $0.count == x.count } != false,
                     "[ErrorBars] x, y and errors differ in length")
        (self.x, self.y, self.xError, self.yError, self.color) = (x, y, xError, yError, color)
    }

    public var extent: (x: [Double], y: [Double]) {
        (x + spread(x, xError, -1) + spread(x, xError, 1), y + spread(y, yError, -1) + spread(y, yError, 1))
    }

    private func spread(_ values: [Double], _ errors: [Double]?, _ sign: Double) -> [Double] {
        zip(values, errors ?? []).map { $0 + sign * $1 }
    }

    public func draw(into svg: inout SVGWriter, in area: inout PlotArea) {
        let cap = 3.0
        var d = PathData()
        for i in x.indices {
            for (dx, dy) in [(xError?[i] ?? 0, 0.0), (0, yError?[i] ?? 0)] where dx + dy > 0 {
                guard let a = area.pixel(x[i] - dx, y[i] - dy), let b = area.pixel(x[i] + dx, y[i] + dy),
                      let (u, v) = Clip.segment(a, b, to: area.rect) else { continue }
                d.segment(u, v)
                area.covered.append(.segment(u, v))
                // Caps across the bar, at the ends inside the plot.
                for end in [a, b] where area.rect.contains(end) {
                    d.segment(PixelPoint(x: end.x - (dy > 0 ? cap : 0), y: end.y - (dx > 0 ? cap : 0)),
                              PixelPoint(x: end.x + (dy > 0 ? cap : 0), y: end.y + (dx > 0 ? cap : 0)))
                }
            }
        }
        guard !d.isEmpty else { return }
        svg.element("path", ["class": "error-bars", "d": d.text, "stroke": color.hex, "stroke-width": "1.3", "stroke-opacity": "0.75", "fill": "none"])
    }
}
