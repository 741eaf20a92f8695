import Foundation

/// A small RGB image drawn crisp (three screen pixels per image pixel, without smoothing) from an
/// embedded PNG, with an optional caption under it. A mask can tint some pixels (where FReLU takes
/// its condition).
public struct ImageTile: Chart {
    public var width: Int
    public var height: Int
    /// `height` rows of `width` pixels, three bytes (R, G, B) each.
    public var rgb: [UInt8]
    public var caption: String?
    public var style: ChartStyle

    /// `mask` holds `height * width` flags, row by row; flagged pixels are blended 75 % of the way
    /// to `maskColor`.
    public init(width: Int, height: Int, rgb: [UInt8], mask: [Bool]? = nil, maskColor: Color = Color(hex: "#ff6a00"), caption: String? = nil,
                style: ChartStyle = .standard) {
        precondition(width > 0 && height > 0 && rgb.count == width * height * 3, "[ImageTile] \(width)x\(height) RGB needs \(width * height * 3) bytes, got \(rgb.count)")
        precondition(mask.map { $0.count == width * height } != false, "[ImageTile] the mask needs \(width * height) flags, got \(mask?.count ?? 0)")
        var pixels = rgb
        for i in mask?.indices ?? 0..<0 where mask![i] {
            let tinted = Color(red: rgb[3 * i], green: rgb[3 * i + 1], blue: rgb[3 * i + 2]).mixed(with: maskColor, fraction: 0.75)
            pixels[(3 * i)..<(3 * i + 3)] = [tinted.red, tinted.green, tinted.blue]
        }
        (self.width, self.height, self.rgb, self.caption, self.style) = (width, height, pixels, caption, style)
    }

    public var accessibilityLabel: String { caption ?? "image" }

    static let pad = 4.0, scale = 3.0

    public var size: ChartSize {
        let hasCaption = caption?.isEmpty == false
        let w = max(Double(width) * Self.scale, hasCaption ? TextMetrics.width(caption!, fontSize: style.annotationSize) : 0) + 2 * Self.pad
        return ChartSize(width: w.rounded(.up), height: (Double(height) * Self.scale + 2 * Self.pad + (hasCaption ? style.annotationSize + 4 : 0)).rounded(.up))
    }

    public func draw(into svg: inout SVGWriter) {
        let (w, h) = (Double(width) * Self.scale, Double(height) * Self.scale)
        let x = ((size.width - w) / 2).rounded()
        svg.element("image", [
            "x": svgNumber(x), "y": svgNumber(Self.pad), "width": svgNumber(w), "height": svgNumber(h), "preserveAspectRatio": "none",
            "style": "image-rendering:pixelated", "href": "data:image/png;base64," + Data(PNG.encode(width: width, height: height, rgb: rgb)).base64EncodedString(),
        ])
        style.drawCaption(&svg, caption, x: size.width / 2, y: Self.pad + h)
    }
}
