import Foundation

/// Escaping of text for XML and HTML: element content and double- or single-quoted attribute values.
///
/// Characters that XML 1.0 forbids (control characters other than tab, newline and carriage
/// return, U+FFFE, U+FFFF) are dropped, so any Swift string produces a well-formed document.
enum XML {
    /// Returns `text` with `& < > " '` replaced by entities and forbidden characters removed.
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
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Formats a coordinate for SVG output: rounded to 0.01 px, no trailing zeros, never `-0`.
///
/// Integer arithmetic, not `String(format:)`, so the result is the same on every platform and
/// cheap enough for thousands of points.
func svgNumber(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let clamped = min(max(value, -1e9), 1e9)
    let hundredths = Int64((clamped * 100).rounded())
    if hundredths == 0 { return "0" }
    let magnitude = hundredths.magnitude
    let whole = magnitude / 100
    let fraction = magnitude % 100
    var text = hundredths < 0 ? "-" : ""
    text += String(whole)
    if fraction != 0 {
        if fraction % 10 == 0 {
            text += "." + String(fraction / 10)
        } else {
            text += (fraction < 10 ? ".0" : ".") + String(fraction)
        }
    }
    return text
}

/// A small, deterministic SVG serializer that charts draw into.
///
/// Attributes are written in the order given and their values are XML-escaped; numbers should be
/// passed through ``SVGWriter/n(_:)`` so output is byte-identical for identical input. Charts draw
/// relative to the writer's current origin, so a composite (``SmallMultiples``) places a panel by
/// wrapping it in ``SVGWriter/translated(by:_:_:)``.
public struct SVGWriter: Sendable {
    /// The markup written so far.
    public private(set) var markup: String = ""

    /// Creates an empty writer.
    public init() {}

    /// Formats a number for an attribute (0.01 px resolution).
    public static func n(_ value: Double) -> String { svgNumber(value) }

    /// Appends markup verbatim (the caller is responsible for its well-formedness).
    public mutating func raw(_ text: String) {
        markup += text
    }

    /// Writes an empty element such as `<rect .../>`.
    public mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String>) {
        markup += "<" + name
        for (key, value) in attributes { append(key, value) }
        markup += "/>\n"
    }

    /// Writes an empty element from attributes assembled at run time.
    public mutating func element(_ name: String, attributes: [(String, String)]) {
        markup += "<" + name
        for (key, value) in attributes { append(key, value) }
        markup += "/>\n"
    }

    /// Writes `<name attrs>`; close it with ``close(_:)``.
    public mutating func open(_ name: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        markup += "<" + name
        for (key, value) in attributes { append(key, value) }
        markup += ">\n"
    }

    /// Writes `</name>`.
    public mutating func close(_ name: String) {
        markup += "</" + name + ">\n"
    }

    /// Writes `<text>` with escaped content.
    public mutating func text(_ content: String, x: Double, y: Double, attributes: [(String, String)] = []) {
        markup += "<text x=\"" + svgNumber(x) + "\" y=\"" + svgNumber(y) + "\""
        for (key, value) in attributes { append(key, value) }
        markup += ">" + XML.escape(content) + "</text>\n"
    }

    /// Writes `<g attrs>`, the body, `</g>`.
    public mutating func group(_ attributes: [(String, String)], _ body: (inout SVGWriter) -> Void) {
        markup += "<g"
        for (key, value) in attributes { append(key, value) }
        markup += ">\n"
        body(&self)
        markup += "</g>\n"
    }

    /// Draws `body` shifted by (`dx`, `dy`).
    public mutating func translated(by dx: Double, _ dy: Double, _ body: (inout SVGWriter) -> Void) {
        if dx == 0 && dy == 0 {
            body(&self)
        } else {
            group([("transform", "translate(" + svgNumber(dx) + " " + svgNumber(dy) + ")")], body)
        }
    }

    private mutating func append(_ key: String, _ value: String) {
        markup += " " + key + "=\"" + XML.escape(value) + "\""
    }
}

/// Builds the `d` attribute of an SVG path.
struct PathData {
    private(set) var text = ""

    var isEmpty: Bool { text.isEmpty }

    mutating func move(_ p: PixelPoint) {
        text += "M" + svgNumber(p.x) + " " + svgNumber(p.y)
    }

    mutating func line(_ p: PixelPoint) {
        text += "L" + svgNumber(p.x) + " " + svgNumber(p.y)
    }

    mutating func closePath() {
        text += "Z"
    }

    /// Appends a polyline as one subpath.
    mutating func polyline(_ points: [PixelPoint]) {
        guard let first = points.first else { return }
        move(first)
        for p in points.dropFirst() { line(p) }
    }
}
