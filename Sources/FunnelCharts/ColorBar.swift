/// A vertical colour bar with tick labels on its right: the key to a colour map over a range.
public struct ColorBar: Sendable {
    public var map: ColorMap
    public var range: ClosedRange<Double>

    public init(map: ColorMap, range: ClosedRange<Double>) {
        (self.map, self.range) = (map, range)
    }

    static let barWidth = 12.0

    func scale(height: Double, top: Double) -> LinearScale {
        LinearScale(domain: range, start: top + height, end: top, tickCount: max(2, Int(height / 28)))
    }

    /// Width of the bar and its labels.
    func width(height: Double, style: ChartStyle) -> Double {
        Self.barWidth + 7 + (scale(height: height, top: 0).tickLabels().map { TextMetrics.width(displayMinus($0), fontSize: style.tickSize) }.max() ?? 0)
    }

    func draw(_ svg: inout SVGWriter, at origin: PixelPoint, height: Double, style: ChartStyle) {
        let slices = 48, w = Self.barWidth
        let scale = scale(height: height, top: origin.y)
        svg.group([("class", "color-bar")]) { svg in
            for k in 0..<slices {
                // Slice 0 is the top; the ends are exactly the map's end colours.
                svg.element("rect", ["x": svgNumber(origin.x), "y": svgNumber(origin.y + Double(k) * height / Double(slices)), "width": svgNumber(w),
                                     "height": svgNumber(height / Double(slices) + 0.3), "fill": map.color(at: 1 - Double(k) / Double(slices - 1)).hex])
            }
            svg.element("rect", ["x": svgNumber(origin.x), "y": svgNumber(origin.y), "width": svgNumber(w), "height": svgNumber(height),
                                 "fill": "none", "stroke": style.axisColor.hex, "stroke-width": "0.5"])
            var ticks = PathData()
            for v in scale.ticks() { ticks.segment(PixelPoint(x: origin.x + w, y: scale.position(v)), PixelPoint(x: origin.x + w + 3, y: scale.position(v))) }
            svg.element("path", ["d": ticks.text, "stroke": style.axisColor.hex, "stroke-width": "1", "fill": "none"])
            svg.group([("font-size", svgNumber(style.tickSize)), ("fill", style.mutedTextColor.hex)]) { svg in
                for (v, label) in zip(scale.ticks(), scale.tickLabels()) {
                    svg.text(displayMinus(label), x: origin.x + w + 6, y: scale.position(v) + style.tickSize * 0.35)
                }
            }
        }
    }
}
