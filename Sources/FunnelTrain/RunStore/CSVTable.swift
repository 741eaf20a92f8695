import Foundation

/// A table written as CSV (RFC 4180 quoting, "\n" line ends).
struct CSVTable {
    var header: [String]
    var rows: [[String]]

    /// The table as CSV text, ending with a newline.
    func text() -> String {
        ([header] + rows).map { $0.map(Self.field).joined(separator: ",") + "\n" }.joined()
    }

    /// `value` quoted if it holds a comma, quote or line break (quotes doubled), else as is.
    /// Leading or trailing spaces are quoted too, because some readers trim them.
    static func field(_ value: String) -> String {
        let needsQuotes = value.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
            || value.first == " " || value.last == " "
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
