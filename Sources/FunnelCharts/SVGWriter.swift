/// Escaping of text for XML and HTML (element content and quoted attribute values).
enum XML {
    /// `text` with `& < > " '` replaced by entities and the characters XML 1.0 forbids (control
    /// characters other than tab and line breaks, U+FFFE, U+FFFF) dropped, so any string is safe.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}

/// A coordinate for SVG: rounded to 0.01 px, no trailing zeros, never `-0`. Integer arithmetic
/// rather than `String(format:)`, so the text is the same on every platform and cheap.
func svgNumber(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let hundredths = Int64((min(max(value, -1e9), 1e9) * 100).rounded())
    if hundredths == 0 { return "0" }
    let whole = hundredths.magnitude / 100, fraction = hundredths.magnitude % 100
    var text = (hundredths < 0 ? "-" : "") + String(whole)
    if fraction != 0 {
        text += fraction % 10 == 0 ? "." + String(fraction / 10) : (fraction < 10 ? ".0" : ".") + String(fraction)
    }
    return text
}

/// A small deterministic SVG serializer: attributes are written in the order given, values escaped.
public struct SVGWriter: Sendable {
    /// The markup written so far.
    public private(set) var markup = ""

    public init() {}

    /// Writes an empty element such as `<rect .../>`.
    public mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String>) {
        element(name, attributes: attributes.map { ($0.key, $0.value) })
    }

    /// Writes an empty element from attributes assembled at run time.
    public mutating func element(_ name: String, attributes: [(String, String)]) {
        markup += "<" + name + Self.attributes(attributes) + "/>\n"
    }

    /// Writes `<text>` with escaped content, its baseline starting (or anchored) at `x`, `y`.
    public mutating func text(_ content: String, x: Double, y: Double, _ attributes: [(String, String)] = []) {
        markup += "<text x=\"" + svgNumber(x) + "\" y=\"" + svgNumber(y) + "\"" + Self.attributes(attributes) + ">" + XML.escape(content) + "</text>\n"
    }

    /// Writes `<g attributes>`, the body, `</g>`.
    public mutating func group(_ attributes: [(String, String)], _ body: (inout SVGWriter) -> Void) {
        markup += "<g" + Self.attributes(attributes) + ">\n"
        body(&self)
        markup += "</g>\n"
    }

    private static func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " " + $0.0 + "=\"" + XML.escape($0.1) + "\"" }.joined()
    }
}

/// Builds the `d` attribute of an SVG path.
struct PathData {
    private(set) var text = ""

    var isEmpty: Bool { text.isEmpty }

    mutating func close() { text += "Z" }

    /// A polyline as one subpath.
    mutating func polyline(_ points: [PixelPoint]) {
        for (i, p) in points.enumerated() { text += (i == 0 ? "M" : "L") + svgNumber(p.x) + " " + svgNumber(p.y) }
    }

    /// A segment as one subpath.
    mutating func segment(_ a: PixelPoint, _ b: PixelPoint) { polyline([a, b]) }
}
