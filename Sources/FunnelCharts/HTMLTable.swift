/// A results table for the HTML page: numbers right-aligned in tabular figures, the best value of
/// a column in bold, `± std` and significance marks beside values, a caption and a footnote.
public struct HTMLTable: Sendable, Hashable {
    public enum Alignment: Sendable, Hashable {
        case left
        case right
    }

    /// Which value of a column is the best (set in bold).
    public enum Best: Sendable, Hashable {
        case none
        case highest
        case lowest
    }

    public struct Column: Sendable, Hashable {
        public var title: String
        public var alignment: Alignment
        public var best: Best
        /// Format of the column's values and spreads.
        public var format: NumberFormat

        public init(_ title: String, alignment: Alignment = .right, best: Best = .none, format: NumberFormat = .fixed(2)) {
            (self.title, self.alignment, self.best, self.format) = (title, alignment, best, format)
        }
    }

    /// One cell: a number (formatted by its column) or a text, with an optional spread, mark and note.
    public struct Cell: Sendable, Hashable {
        /// The number compared for "best"; nil for text cells.
        public var value: Double?
        /// Display text; nil formats `value`.
        public var text: String?
        /// Written as `± spread` after the value (the standard deviation over seeds).
        public var spread: Double?
        /// Superscript after the value: `†`, `*`, `n.s.`.
        public var mark: String?
        /// Small muted text after everything else: `n=3`.
        public var note: String?
        /// Bold whatever the column's best.
        public var emphasis: Bool

        public init(_ value: Double?, spread: Double? = nil, mark: String? = nil, note: String? = nil, text: String? = nil, emphasis: Bool = false) {
            (self.value, self.text, self.spread, self.mark, self.note, self.emphasis) = (value, text, spread, mark, note, emphasis)
        }

        /// A text cell.
        public static func text(_ text: String, mark: String? = nil, note: String? = nil) -> Cell {
            Cell(nil, mark: mark, note: note, text: text)
        }

        /// An empty cell (an em dash).
        public static let empty = Cell(nil, text: "\u{2014}")
    }

    public struct Row: Sendable, Hashable {
        /// The row header in the first column.
        public var header: String
        public var cells: [Cell]
        /// A rule above the row, separating groups.
        public var separated: Bool

        public init(_ header: String, _ cells: [Cell], separated: Bool = false) {
            (self.header, self.cells, self.separated) = (header, cells, separated)
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
            precondition(row.cells.count == columns.count, "[HTMLTable] row '\(row.header)' has \(row.cells.count) cells for \(columns.count) columns")
        }
        (self.caption, self.rowHeaderTitle, self.columns, self.rows, self.footnote) = (caption, rowHeaderTitle, columns, rows, footnote)
    }

    /// Rows whose cell in `column` is the best; ties as displayed are all best.
    public func bestRows(column: Int) -> Set<Int> {
        let (best, format) = (columns[column].best, columns[column].format)
        let candidates = rows.indices.compactMap { i in rows[i].cells[column].value.flatMap { $0.isFinite ? (i, $0) : nil } }
        guard best != .none, let target = best == .highest ? candidates.map(\.1).max() : candidates.map(\.1).min() else { return [] }
        return Set(candidates.filter { format.string($0.1) == format.string(target) }.map(\.0))
    }

    /// The table as an HTML fragment (`<figure class="table">`); the page numbers it with `label`
    /// ("Table 2.") and gives it an anchor `id`.
    public func html(label: String? = nil, id: String? = nil) -> String {
        let best = columns.indices.map(bestRows(column:))
        let classes = columns.map { $0.alignment == .right ? "num" : "left" }
        var out = "<figure class=\"table\"" + (id.map { " id=\"\(XML.escape($0))\"" } ?? "") + ">\n<div class=\"table-wrap\">\n<table>\n"
        if label != nil || caption != nil {
            out += "<caption>" + (label.map { "<span class=\"label\">" + XML.escape($0) + "</span> " } ?? "") + (caption.map(InlineText.html) ?? "") + "</caption>\n"
        }
        out += "<thead><tr><th scope=\"col\">" + XML.escape(rowHeaderTitle) + "</th>"
        out += zip(columns, classes).map { "<th scope=\"col\" class=\"\($1)\">" + XML.escape($0.title) + "</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for (i, row) in rows.enumerated() {
            out += (row.separated ? "<tr class=\"group\">" : "<tr>") + "<th scope=\"row\">" + XML.escape(row.header) + "</th>"
            for (j, cell) in row.cells.enumerated() {
                let isBest = best[j].contains(i)
                out += "<td class=\"" + classes[j] + (isBest ? " best" : "") + "\">"
                let text = XML.escape(cell.text ?? cell.value.map(columns[j].format.string) ?? "\u{2014}")
                out += isBest || cell.emphasis ? "<strong>" + text + "</strong>" : text
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
        return out + "</figure>\n"
    }
}
