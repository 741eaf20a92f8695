import Foundation

/// An sRGB colour with 8-bit channels.
public struct Color: Sendable, Hashable, CustomStringConvertible {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// Parses `#rrggbb` (the `#` is optional).
    /// - Precondition: `hex` holds six hexadecimal digits.
    public init(hex: String) {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else {
            preconditionFailure("[Color] '\(hex)' is not a #rrggbb colour")
        }
        self.init(red: UInt8(value >> 16), green: UInt8((value >> 8) & 0xFF), blue: UInt8(value & 0xFF))
    }

    /// Lower-case `#rrggbb`, as written into SVG and CSS.
    public var hex: String {
        let digits = Array("0123456789abcdef")
        var text = "#"
        for channel in [red, green, blue] {
            text.append(digits[Int(channel >> 4)])
            text.append(digits[Int(channel & 0xF)])
        }
        return text
    }

    public var description: String { hex }

    /// Linear interpolation in sRGB: `fraction` 0 gives `self`, 1 gives `other`.
    public func mixed(with other: Color, fraction: Double) -> Color {
        let t = min(max(fraction, 0), 1)
        func lerp(_ a: UInt8, _ b: UInt8) -> UInt8 {
            UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded())
        }
        return Color(red: lerp(red, other.red), green: lerp(green, other.green), blue: lerp(blue, other.blue))
    }

    /// WCAG relative luminance, 0 (black) to 1 (white).
    public var luminance: Double {
        func linear(_ c: UInt8) -> Double {
            let s = Double(c) / 255
            return s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }

    /// Black or white, whichever reads better on top of this colour.
    public var contrastingText: Color {
        luminance > 0.4 ? Color(hex: "#1a1a1a") : .white
    }

    public static let white = Color(red: 255, green: 255, blue: 255)
    public static let black = Color(red: 0, green: 0, blue: 0)
}

/// Categorical palettes for series.
public enum Palette {
    /// Okabe & Ito (2008), safe for the common colour-vision deficiencies; ordered so that the first
    /// colours are the most distinct on white (the pale yellow comes last).
    public static let okabeIto: [Color] = [
        "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442",
    ].map(Color.init(hex:))

    /// Okabe–Ito without the pale yellow, which is too faint for lines and text on white: the
    /// default for series. Past seven series, colours repeat with a different dash.
    public static let series: [Color] = Array(okabeIto.prefix(7))

    /// Tableau 10 (2016 revision): ten colours, for when eight are not enough.
    public static let tableau10: [Color] = [
        "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    ].map(Color.init(hex:))

    /// The `index`-th colour of `palette`, cycling.
    public static func color(_ index: Int, in palette: [Color] = series) -> Color {
        palette[((index % palette.count) + palette.count) % palette.count]
    }

    /// One colour per name in the order given, so a name keeps its colour across every figure of a
    /// report (pass the full list of activations once, then look each one up).
    public static func assign(_ names: [String], palette: [Color] = series) -> [String: Color] {
        var mapping: [String: Color] = [:]
        var next = 0
        for name in names where mapping[name] == nil {
            mapping[name] = color(next, in: palette)
            next += 1
        }
        return mapping
    }
}

/// A continuous colour map: colour stops spaced evenly over 0...1, linearly interpolated.
public struct ColorMap: Sendable, Hashable {
    /// Sequential maps run from low to high; diverging maps are centred on a value (usually 0).
    public enum Kind: Sendable, Hashable {
        case sequential
        case diverging(center: Double)
    }

    public var name: String
    public var stops: [Color]
    public var kind: Kind

    /// - Precondition: at least two stops.
    public init(name: String, stops: [Color], kind: Kind) {
        precondition(stops.count >= 2, "[ColorMap] '\(name)' needs at least two stops")
        self.name = name
        self.stops = stops
        self.kind = kind
    }

    /// Colour at `t` in 0...1 (clamped; NaN gives the middle).
    public func color(at t: Double) -> Color {
        let u = t.isNaN ? 0.5 : min(max(t, 0), 1)
        let scaled = u * Double(stops.count - 1)
        let index = min(Int(scaled), stops.count - 2)
        return stops[index].mixed(with: stops[index + 1], fraction: scaled - Double(index))
    }

    /// Colour of `value` for a map spread over `range`.
    public func color(for value: Double, in range: ClosedRange<Double>) -> Color {
        let span = range.upperBound - range.lowerBound
        guard span > 0 else { return color(at: 0.5) }
        return color(at: (value - range.lowerBound) / span)
    }

    /// The range a map should span for `values`: min...max for sequential maps, symmetric about the
    /// centre for diverging ones (so the centre colour means exactly the centre value).
    public func automaticRange(for values: [Double]) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return 0...1 }
        switch kind {
        case .sequential:
            return low < high ? low...high : (low - 0.5)...(high + 0.5)
        case let .diverging(center):
            let reach = max(abs(low - center), abs(high - center))
            return reach > 0 ? (center - reach)...(center + reach) : (center - 1)...(center + 1)
        }
    }

    /// Perceptually uniform, colour-blind safe (matplotlib's viridis, nine samples).
    public static let viridis = ColorMap(name: "viridis", stops: [
        "#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725",
    ].map(Color.init(hex:)), kind: .sequential)

    /// ColorBrewer RdBu reversed: blue for negative, near-white at 0, red for positive.
    public static let blueRed = ColorMap(name: "blue-red", stops: [
        "#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
        "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f",
    ].map(Color.init(hex:)), kind: .diverging(center: 0))

    /// White to near-black, for masks and single-channel images.
    public static let grays = ColorMap(name: "grays", stops: [
        "#ffffff", "#bdbdbd", "#737373", "#252525",
    ].map(Color.init(hex:)), kind: .sequential)

    /// Light yellow to dark blue (ColorBrewer YlGnBu), a sequential map for counts and fractions.
    public static let yellowBlue = ColorMap(name: "yellow-blue", stops: [
        "#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84",
    ].map(Color.init(hex:)), kind: .sequential)
}
