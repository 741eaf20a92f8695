/// An sRGB colour with 8-bit channels.
public struct Color: Sendable, Hashable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        (self.red, self.green, self.blue) = (red, green, blue)
    }

    /// Parses `#rrggbb` (the `#` is optional).
    /// - Precondition: `hex` holds six hexadecimal digits.
    public init(hex: String) {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else { preconditionFailure("[Color] '\(hex)' is not a #rrggbb colour") }
        self.init(red: UInt8(value >> 16), green: UInt8((value >> 8) & 0xFF), blue: UInt8(value & 0xFF))
    }

    /// Lower-case `#rrggbb`, as written into SVG and CSS.
    public var hex: String {
        "#" + [red, green, blue].map { String($0 >> 4, radix: 16) + String($0 & 0xF, radix: 16) }.joined()
    }

    /// Linear interpolation in sRGB: `fraction` 0 gives `self`, 1 gives `other`.
    public func mixed(with other: Color, fraction: Double) -> Color {
        let t = min(max(fraction, 0), 1)
        func lerp(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded()) }
        return Color(red: lerp(red, other.red), green: lerp(green, other.green), blue: lerp(blue, other.blue))
    }

    public static let white = Color(red: 255, green: 255, blue: 255)
}

/// Colours for series (a report gives each activation one of them, the same in every figure).
public enum Palette {
    /// Okabe & Ito (2008), safe for the common colour-vision deficiencies; the most distinct on
    /// white first, the pale yellow last.
    public static let okabeIto: [Color] = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442"].map(Color.init(hex:))

    /// Okabe–Ito without the pale yellow, too faint for lines and text on white.
    public static let series = Array(okabeIto.prefix(7))

    /// The `index`-th colour of ``series``, cycling.
    public static func color(_ index: Int) -> Color { series[index % series.count] }
}

/// A continuous colour map: stops spread evenly over 0...1, interpolated linearly.
public struct ColorMap: Sendable, Hashable {
    public var stops: [Color]

    /// - Precondition: at least two stops.
    public init(stops: [Color]) {
        precondition(stops.count >= 2, "[ColorMap] needs at least two stops, got \(stops.count)")
        self.stops = stops
    }

    /// Colour at `t` in 0...1 (clamped; NaN gives the middle).
    public func color(at t: Double) -> Color {
        let scaled = (t.isNaN ? 0.5 : min(max(t, 0), 1)) * Double(stops.count - 1)
        let index = min(Int(scaled), stops.count - 2)
        return stops[index].mixed(with: stops[index + 1], fraction: scaled - Double(index))
    }

    /// Colour of `value` on a map spread over `range`.
    public func color(for value: Double, in range: ClosedRange<Double>) -> Color {
        let span = range.upperBound - range.lowerBound
        return color(at: span > 0 ? (value - range.lowerBound) / span : 0.5)
    }

    /// `values` as RGB bytes, three per value (an image for ``ImageTile``).
    public func pixels(_ values: [Double], in range: ClosedRange<Double>) -> [UInt8] {
        values.flatMap { v in
            let c = color(for: v, in: range)
            return [c.red, c.green, c.blue]
        }
    }

    /// The range symmetric about 0 that spans the finite `values`, for a diverging map: its middle
    /// colour then means exactly 0.
    public static func symmetricRange(for values: [Double]) -> ClosedRange<Double> {
        let reach = values.filter(\.isFinite).map(abs).max() ?? 0
        return reach > 0 ? -reach...reach : -1...1
    }

    /// Perceptually uniform, colour-blind safe (matplotlib's viridis, nine samples).
    public static let viridis = ColorMap(stops: ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"]
        .map(Color.init(hex:)))

    /// ColorBrewer RdBu reversed: blue for negative, near-white at 0, red for positive.
    public static let blueRed = ColorMap(stops: ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"]
        .map(Color.init(hex:)))
}
