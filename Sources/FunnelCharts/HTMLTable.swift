import Foundation

/// A results table for the HTML report: numbers right-aligned in tabular figures, the best value
/// of a column in bold, `± std` and significance marks beside values, a caption and a footnote.
public struct HTMLTable: Sendable, Hashable {
    public enum Alignment: String, Sendable, Hashable {
        case left
        case right
        case center
    }

    /// Which value of a column is the best (and set in bold).
    public enum Best: Sendable, Hashable {
        case none
        case highest
        case lowest
    }

    public struct Column: Sendable, Hashable {
        public var title: String
        public var alignment: Alignment
        public var best: Best
        /// Format of cell values and spreads.
        public var format: NumberFormat

        public init(_ title: String, alignment: Alignment = .right, best: Best = .none, format: NumberFormat = .fixed(2)) {
            self.title = title
            self.alignment = alignment
            self.best = best
            self.format = format
        }
    }

    /// One cell: a number (formatted by its column) or text, with optional spread, mark and note.
    public struct Cell: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
        /// The number compared for "best"; nil for text cells.
        public var value: Double?
        /// Display text; nil formats `value`.
        public var text: String?
        /// Written as `± spread` after the value (e.g. the standard deviation over seeds).
        public var spread: Double?
        /// Superscript after the value: `†`, `*`, `n.s.`.
        public var mark: String?
        /// Small muted text after everything else, e.g. `(3 runs)`.
        public var note: String?
        /// Bold regardless of the column's best.
        public var emphasis: Bool

        public init(_ value: Double?, spread: Double? = nil, mark: String? = nil, note: String? = nil, text: String? = nil, emphasis: Bool = false) {
            self.value = value
            self.text = text
            self.spread = spread
            self.mark = mark
            self.note = note
            self.emphasis = emphasis
        }

        /// A text cell.
        public static func text(_ text: String, mark: String? = nil, note: String? = nil) -> Cell {
            Cell(nil, mark: mark, note: note, text: text)
        }

        /// An empty cell (written as an em dash).
        public static let empty = Cell(nil, text: "\u{2014}")

        public init(stringLiteral value: String) {
            self.init(nil, text: value)
        }

        public init(floatLiteral value: Double) {
            self.init(value)
        }

        public init(integerLiteral value: Int) {
            self.init(Double(value))
        }
    }

    public struct Row: Sendable, Hashable {
        /// Shown in the first column as a row header (`<th scope="row">`).
        public var header: String
        public var cells: [Cell]
        /// A rule above this row, to separate groups.
        public var separated: Bool

        public init(_ header: String, _ cells: [Cell], separated: Bool = false) {
            self.header = header
            self.cells = cells
            self.separated = separated
        }
    }

    public var caption: String?
    /// Title of the row-header column.
    public var rowHeaderTitle: String
    public var columns: [Column]
    public var rows: [Row]
    public var footnote: String?

    public init(caption: String? = nil, rowHeaderTitle: String = "", columns: [Column], rows: [Row], footnote: String? = nil) {
        for row in rows {
            precondition(row.cells.count == columns.count,
                         "[HTMLTable] row '\(row.header)' has \(row.cells.count) cells for \(columns.count) columns")
        }
        self.caption = caption
        self.rowHeaderTitle = rowHeaderTitle
        self.columns = columns
        self.rows = rows
        self.footnote = footnote
    }

    /// Display text of a cell's value (without spread and marks).
    func displayText(_ cell: Cell, column: Int) -> String {
        if let text = cell.text { return text }
        guard let value = cell.value else { return "\u{2014}" }
        return columns[column].format.string(value)
    }

    /// Rows whose cell in `column` is the best; ties as displayed are all best.
    public func bestRows(column: Int) -> Set<Int> {
        let best = columns[column].best
        guard best != .none else { return [] }
        var candidates: [(row: Int, value: Double)] = []
        for (i, row) in rows.enumerated() {
            if let v = row.cells[column].value, v.isFinite { candidates.append((i, v)) }
        }
        let target = best == .highest ? candidates.map(\.value).max() : candidates.map(\.value).min()
        guard let target else { return [] }
        let targetText = columns[column].format.string(target)
        return Set(candidates.filter { columns[column].format.string($0.value) == targetText }.map(\.row))
    }

    /// The table as an HTML fragment (`<figure class="table">`).
    public func html() -> String {
        html(label: nil, id: nil)
    }

    func html(label: String?, id: String?) -> String {
        let best = columns.indices.map(bestRows(column:))
        var out = "<figure class=\"table\"" + (id.map { " id=\"\(XML.escape($0))\"" } ?? "") + ">\n<div class=\"table-wrap\">\n<table>\n"
        if label != nil || caption != nil {
            out += "<caption>"
            if let label { out += "<span class=\"label\">" + XML.escape(label) + "</span> " }
            if let caption { out += InlineText.html(caption) }
            out += "</caption>\n"
        }
        out += "<thead><tr><th scope=\"col\">" + XML.escape(rowHeaderTitle) + "</th>"
        for column in columns {
            out += "<th scope=\"col\" class=\"\(column.alignment == .right ? "num" : column.alignment.rawValue)\">" + XML.escape(column.title) + "</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        for (i, row) in rows.enumerated() {
            out += row.separated ? "<tr class=\"group\">" : "<tr>"
            out += "<th scope=\"row\">" + XML.escape(row.header) + "</th>"
            for (j, cell) in row.cells.enumerated() {
                let isBest = best[j].contains(i)
                var classes = [columns[j].alignment == .right ? "num" : columns[j].alignment.rawValue]
                if isBest { classes.append("best") }
                out += "<td class=\"" + classes.joined(separator: " ") + "\">"
                let text = XML.escape(displayText(cell, column: j))
                out += (isBest || cell.emphasis) ? "<strong>" + text + "</strong>" : text
                if let spread = cell.spread, spread.isFinite {
                    var spreadText = columns[j].format.string(spread)
                    if spreadText.hasSuffix("%") { spreadText.removeLast() }
                    out += "<span class=\"pm\"> \u{00B1}\u{2009}" + XML.escape(spreadText) + "</span>"
                }
                if let mark = cell.mark, !mark.isEmpty { out += "<sup class=\"mark\">" + XML.escape(mark) + "</sup>" }
                if let note = cell.note, !note.isEmpty { out += " <span class=\"cell-note\">" + XML.escape(note) + "</span>" }
                out += "</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>\n</div>\n"
        if let footnote, !footnote.isEmpty { out += "<p class=\"footnote\">" + InlineText.html(footnote) + "</p>\n" }
        out += "</figure>\n"
        return out
    }
}
