/// A straight guide across the plot: a baseline, a threshold, the axes through the origin, or y = x.
public struct ReferenceLine: Mark {
    public enum Kind: Sendable, Hashable {
        case horizontal(Double)
        case vertical(Double)
        /// The diagonal y = x.
        case identity
    }

    public var kind: Kind
    public var color: Color
    public var dash: LineDash

    public init(_ kind: Kind, color: Color = Color(hex: "#7a7a7a"), dash: LineDash = .dashed) {
        (self.kind, self.color, self.dash) = (kind, color, dash)
    }

    /// Axis lines through the origin, solid and light (function plots).
    public static let zeroAxes = [ReferenceLine(.horizontal(0), color: Color(hex: "#b3b3b3"), dash: .solid),
                                  ReferenceLine(.vertical(0), color: Color(hex: "#b3b3b3"), dash: .solid)]

    public var extent: (x: [Double], y: [Double]) {
        switch kind {
        case let .horizontal(v): return ([], [v])
        case let .vertical(v): return ([v], [])
        case .identity: return ([], [])
        }
    }

    public func draw(into svg: inout SVGWriter, in area: inout PlotArea) {
        let (rect, x, y) = (area.rect, area.x, area.y)
        var ends: (PixelPoint, PixelPoint)?
        switch kind {
        case let .horizontal(v): ends = (PixelPoint(x: rect.minX, y: y.position(v)), PixelPoint(x: rect.maxX, y: y.position(v)))
        case let .vertical(v): ends = (PixelPoint(x: x.position(v), y: rect.minY), PixelPoint(x: x.position(v), y: rect.maxY))
        case .identity:
            let (low, high) = (max(x.domain.lowerBound, y.domain.lowerBound), min(x.domain.upperBound, y.domain.upperBound))
            if low < high, let a = area.pixel(low, low), let b = area.pixel(high, high) { ends = (a, b) }
        }
        guard let (a, b) = ends.flatMap({ Clip.segment($0.0, $0.1, to: rect) }) else { return }
        area.covered.append(.segment(a, b))
        svg.element("line", attributes: [("class", "reference"), ("x1", svgNumber(a.x)), ("y1", svgNumber(a.y)), ("x2", svgNumber(b.x)),
                                         ("y2", svgNumber(b.y)), ("stroke", color.hex), ("stroke-width", "1")] + dash.attributes(width: 1.5))
    }
}
