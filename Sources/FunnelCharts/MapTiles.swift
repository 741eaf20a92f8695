import Foundation

/// Scalar maps (one value per pixel) drawn as small crisp images on one colour scale, with a
/// colour bar: compact even for many 32x32 maps (each is one embedded PNG, not a rectangle per
/// pixel as a heatmap would be).
public struct MapTiles: Chart {
    public var title: String?
    public var subtitle: String?
    /// Row-major maps of `height` x `width` values.
    public var maps: [[Double]]
    public var height: Int
    public var width: Int
    public var captions: [String]
    public var columns: Int
    public var colorMap: ColorMap
    public var range: ClosedRange<Double>
    /// Screen pixels per map pixel.
    public var scale: Double
    public var style: ChartStyle

    /// - Parameters:
    ///   - maps: row-major maps, each `height * width` values.
    ///   - range: the values mapped to the two ends of `colorMap`.
    ///   - scale: screen pixels per map pixel.
    public init(title: String? = nil, subtitle: String? = nil, maps: [[Double]], height: Int, width: Int, captions: [String],
                columns: Int = 8, colorMap: ColorMap = .viridis, range: ClosedRange<Double>, scale: Double = 3, style: ChartStyle = .standard) {
        precondition(maps.allSatisfy { $0.count == height * width }, "[MapTiles] every map needs \(height)x\(width) values")
        self.title = title
        self.subtitle = subtitle
        self.maps = maps
        self.height = height
        self.width = width
        self.captions = captions
        self.columns = max(1, columns)
        self.colorMap = colorMap
        self.range = range
        self.scale = scale
        self.style = style
    }

    public var accessibilityLabel: String { title ?? "maps" }

    private var tiles: [ImageTile] {
        maps.enumerated().map { index, map in
            let pixels = map.flatMap { v -> [UInt8] in
                let c = colorMap.color(for: v, in: range)
                return [c.red, c.green, c.blue]
            }
            return ImageTile(image: RGBImage(width: width, height: height, pixels: pixels), scale: scale,
                             caption: captions.indices.contains(index) ? captions[index] : nil, style: style)
        }
    }

    private static let gap = 6.0

    private var top: Double {
        let h = Draw.titleHeight(title: title, subtitle: subtitle, style: style)
        return CartesianLayout.outerPad + h + (h > 0 ? 6 : 0)
    }

    private var cell: ChartSize {
        let sizes = tiles.map(\.size)
        return ChartSize(width: sizes.map(\.width).max() ?? 0, height: sizes.map(\.height).max() ?? 0)
    }

    private var barHeight: Double { Double(height) * scale }

    public var size: ChartSize {
        let used = min(columns, max(1, maps.count))
        let rows = (maps.count + columns - 1) / columns
        let gridWidth = Double(used) * cell.width + Double(max(0, used - 1)) * Self.gap
        var width = CartesianLayout.outerPad + gridWidth + 16 + ColorBar.width(range: range, height: barHeight, style: style) + CartesianLayout.outerPad
        width = max(width, TextMetrics.width(subtitle ?? "", fontSize: style.labelSize) + 2 * CartesianLayout.outerPad + 4)
        width = max(width, TextMetrics.width(title ?? "", fontSize: style.titleSize, bold: true) + 2 * CartesianLayout.outerPad + 4)
        let gridHeight = Double(rows) * cell.height + Double(max(0, rows - 1)) * Self.gap
        return ChartSize(width: width.rounded(.up), height: (top + max(gridHeight, barHeight) + CartesianLayout.outerPad).rounded(.up))
    }

    public func draw(into svg: inout SVGWriter) {
        let style = self.style
        Draw.background(&svg, size: size, style: style)
        Draw.title(&svg, title: title, subtitle: subtitle, x: CartesianLayout.outerPad + 2, top: CartesianLayout.outerPad, style: style)
        let cell = self.cell
        let tiles = self.tiles
        for (index, tile) in tiles.enumerated() {
            let x = CartesianLayout.outerPad + Double(index % columns) * (cell.width + Self.gap)
            let y = top + Double(index / columns) * (cell.height + Self.gap)
            svg.group([("class", "map"), ("transform", "translate(" + svgNumber(x) + " " + svgNumber(y) + ")")]) { svg in
                tile.draw(into: &svg)
            }
        }
        let used = min(columns, max(1, maps.count))
        let barX = CartesianLayout.outerPad + Double(used) * cell.width + Double(max(0, used - 1)) * Self.gap + 16
        ColorBar.draw(&svg, origin: PixelPoint(x: barX, y: top + ImageTile.pad), height: barHeight, map: colorMap, range: range, style: style)
    }
}
