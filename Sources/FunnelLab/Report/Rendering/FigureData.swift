import Foundation

/// The numbers a figure plots, as a table: written beside the figure's SVG as CSV, so that
/// anyone can replot or check them.
///
/// The CSV has a header row, then one row per plotted datum. Numbers are written in Swift's
/// shortest form that reads back to the same Double (`0.1`, `1e-05`, `nan`); an empty field is a
/// missing value; text with a comma, quote or line break is quoted (RFC 4180).
public struct FigureData: Sendable, Hashable {
    /// One field.
    public enum Value: Sendable, Hashable {
        case text(String)
        /// nil: missing.
        case number(Double?)
        case integer(Int)
    }

    public let columns: [String]
    public let rows: [[Value]]

    public init(columns: [String], rows: [[Value]]) {
        precondition(rows.allSatisfy { $0.count == columns.count }, "[FigureData] every row needs \(columns.count) fields")
        self.columns = columns
        self.rows = rows
    }

    /// The table as CSV, lines ending in `\n`.
    public func csv() -> String {
        var out = columns.map(Self.quoted).joined(separator: ",") + "\n"
        for row in rows {
            out += row.map(Self.field).joined(separator: ",") + "\n"
        }
        return out
    }

    static func field(_ value: Value) -> String {
        switch value {
        case let .text(text): quoted(text)
        case let .number(number): number.map { "\($0)" } ?? ""
        case let .integer(number): "\(number)"
        }
    }

    static func quoted(_ text: String) -> String {
        // Scalars, not Characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
        guard text.unicodeScalars.contains(where: { ",\"\r\n".unicodeScalars.contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
