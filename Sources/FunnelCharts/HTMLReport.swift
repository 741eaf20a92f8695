import Foundation

/// A self-contained HTML page: title, metadata, headline numbers, a table of contents, and
/// sections of prose, figures (inline SVG) and tables, with embedded CSS and no external
/// resources or scripts. Figures and tables are numbered in order.
///
/// The markup is also well-formed XML (void elements self-closed), so tests and tools can parse
/// it with an XML parser.
public struct HTMLReport: Sendable {
    /// A labelled line under the title, e.g. date or command.
    public struct Metadata: Sendable, Hashable {
        public var label: String
        public var value: String
        /// Set in monospace (commands, paths, hashes).
        public var isCode: Bool

        public init(_ label: String, _ value: String, isCode: Bool = false) {
            self.label = label
            self.value = value
            self.isCode = isCode
        }
    }

    /// A headline number in a card: "best top-1", "92.4 %", "FReLU, ResNet-20".
    public struct KeyFigure: Sendable, Hashable {
        public var label: String
        public var value: String
        public var detail: String?

        public init(_ label: String, value: String, detail: String? = nil) {
            self.label = label
            self.value = value
            self.detail = detail
        }
    }

    /// An inline SVG figure with a caption.
    public struct Figure: Sendable, Hashable {
        /// The `<svg>` element.
        public var svg: String
        public var caption: String?

        /// From a chart.
        public init(_ chart: any Chart, caption: String? = nil) {
            self.svg = chart.inlineSVG()
            self.caption = caption
        }

        /// From SVG markup (an XML declaration and namespace are removed; HTML needs neither).
        public init(svg: String, caption: String? = nil) {
            var markup = svg
            if markup.hasPrefix("<?xml"), let end = markup.range(of: "?>") {
                markup = String(markup[end.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            markup = markup.replacingOccurrences(of: " xmlns=\"http://www.w3.org/2000/svg\"", with: "")
            markup = markup.replacingOccurrences(of: " xmlns:xlink=\"http://www.w3.org/1999/xlink\"", with: "")
            self.svg = markup
            self.caption = caption
        }
    }

    public enum Block: Sendable, Hashable {
        /// Prose; escaped, with `code` in backticks and **bold** in double asterisks.
        case paragraph(String)
        /// A sub-heading (h3).
        case heading(String)
        case figure(Figure)
        /// Several figures side by side (wrapping on narrow screens), with one caption.
        case figureRow([Figure], caption: String?)
        case table(HTMLTable)
        case list([String])
        /// Preformatted text (a command, a config).
        case code(String)
        case keyFigures([KeyFigure])
        /// A highlighted remark.
        case note(String)
        /// Trusted HTML, inserted as is.
        case html(String)
    }

    public struct Section: Sendable, Hashable {
        public var title: String
        public var blocks: [Block]
        /// Anchor; nil derives one from the title.
        public var id: String?

        public init(_ title: String, id: String? = nil, blocks: [Block]) {
            self.title = title
            self.id = id
            self.blocks = blocks
        }
    }

    public var title: String
    public var subtitle: String?
    public var metadata: [Metadata]
    /// Cards under the title, before the table of contents.
    public var keyFigures: [KeyFigure]
    public var sections: [Section]
    public var tableOfContents: Bool
    public var footer: String?

    public init(title: String, subtitle: String? = nil, metadata: [Metadata] = [], keyFigures: [KeyFigure] = [],
                sections: [Section] = [], tableOfContents: Bool = true, footer: String? = nil) {
        self.title = title
        self.subtitle = subtitle
        self.metadata = metadata
        self.keyFigures = keyFigures
        self.sections = sections
        self.tableOfContents = tableOfContents
        self.footer = footer
    }

    /// Appends a section.
    public mutating func add(_ section: Section) {
        sections.append(section)
    }

    /// Writes ``html()`` to `url` as UTF-8.
    public func write(to url: URL) throws {
        try Data(html().utf8).write(to: url)
    }

    /// Section anchors, unique within the page.
    func sectionIDs() -> [String] {
        var used: Set<String> = ["top", "contents"]
        return sections.map { section in
            let base = section.id ?? InlineText.slug(section.title)
            var id = base.isEmpty ? "section" : base
            var n = 2
            while used.contains(id) {
                id = (base.isEmpty ? "section" : base) + "-\(n)"
                n += 1
            }
            used.insert(id)
            return id
        }
    }

    /// The whole page.
    public func html() -> String {
        let ids = sectionIDs()
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        out += "<title>" + XML.escape(title) + "</title>\n<style>\n" + HTMLReport.css + "</style>\n</head>\n<body>\n<main>\n"
        out += "<header class=\"report\" id=\"top\">\n<h1>" + XML.escape(title) + "</h1>\n"
        if let subtitle, !subtitle.isEmpty { out += "<p class=\"subtitle\">" + InlineText.html(subtitle) + "</p>\n" }
        if !metadata.isEmpty {
            out += "<dl class=\"meta\">\n"
            for item in metadata {
                let value = item.isCode ? "<code>" + XML.escape(item.value) + "</code>" : XML.escape(item.value)
                out += "<dt>" + XML.escape(item.label) + "</dt><dd>" + value + "</dd>\n"
            }
            out += "</dl>\n"
        }
        out += "</header>\n"
        if !keyFigures.isEmpty { out += HTMLReport.keyFiguresHTML(keyFigures) }
        if tableOfContents && sections.count > 1 {
            out += "<nav class=\"toc\" id=\"contents\" aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n"
            for (section, id) in zip(sections, ids) {
                out += "<li><a href=\"#" + XML.escape(id) + "\">" + XML.escape(section.title) + "</a></li>\n"
            }
            out += "</ol>\n</nav>\n"
        }
        var figureNumber = 0
        var tableNumber = 0
        for (section, id) in zip(sections, ids) {
            out += "<section id=\"" + XML.escape(id) + "\">\n<h2>" + XML.escape(section.title) + "</h2>\n"
            for block in section.blocks {
                switch block {
                case let .paragraph(text):
                    out += "<p>" + InlineText.html(text) + "</p>\n"
                case let .heading(text):
                    out += "<h3>" + XML.escape(text) + "</h3>\n"
                case let .figure(figure):
                    figureNumber += 1
                    out += "<figure id=\"fig-\(figureNumber)\">\n" + figure.svg
                    if !figure.svg.hasSuffix("\n") { out += "\n" }
                    out += HTMLReport.caption(label: "Figure \(figureNumber).", text: figure.caption)
                    out += "</figure>\n"
                case let .figureRow(figures, caption):
                    figureNumber += 1
                    out += "<figure id=\"fig-\(figureNumber)\">\n<div class=\"figure-row\">\n"
                    for figure in figures {
                        out += "<div class=\"figure-cell\">\n" + figure.svg
                        if !figure.svg.hasSuffix("\n") { out += "\n" }
                        if let caption = figure.caption { out += "<div class=\"subcaption\">" + InlineText.html(caption) + "</div>\n" }
                        out += "</div>\n"
                    }
                    out += "</div>\n" + HTMLReport.caption(label: "Figure \(figureNumber).", text: caption) + "</figure>\n"
                case let .table(table):
                    tableNumber += 1
                    out += table.html(label: "Table \(tableNumber).", id: "table-\(tableNumber)")
                case let .list(items):
                    out += "<ul>\n" + items.map { "<li>" + InlineText.html($0) + "</li>\n" }.joined() + "</ul>\n"
                case let .code(text):
                    out += "<pre><code>" + XML.escape(text) + "</code></pre>\n"
                case let .keyFigures(figures):
                    out += HTMLReport.keyFiguresHTML(figures)
                case let .note(text):
                    out += "<aside class=\"note\">" + InlineText.html(text) + "</aside>\n"
                case let .html(markup):
                    out += markup + (markup.hasSuffix("\n") ? "" : "\n")
                }
            }
            out += "</section>\n"
        }
        if let footer, !footer.isEmpty { out += "<footer>" + InlineText.html(footer) + "</footer>\n" }
        out += "</main>\n</body>\n</html>\n"
        return out
    }

    private static func caption(label: String, text: String?) -> String {
        var out = "<figcaption><span class=\"label\">" + XML.escape(label) + "</span>"
        if let text, !text.isEmpty { out += " " + InlineText.html(text) }
        return out + "</figcaption>\n"
    }

    private static func keyFiguresHTML(_ figures: [KeyFigure]) -> String {
        var out = "<div class=\"keyfigures\">\n"
        for figure in figures {
            out += "<div class=\"keyfigure\"><div class=\"kf-label\">" + XML.escape(figure.label) + "</div>"
            out += "<div class=\"kf-value\">" + XML.escape(figure.value) + "</div>"
            if let detail = figure.detail, !detail.isEmpty { out += "<div class=\"kf-detail\">" + InlineText.html(detail) + "</div>" }
            out += "</div>\n"
        }
        return out + "</div>\n"
    }

    /// Embedded style sheet: system fonts, a readable measure, quiet tables, print rules.
    static let css = """
    :root { color-scheme: light; --text: #1f1f1f; --muted: #5c5f66; --rule: #e2e4e8; --soft: #f5f6f8; --accent: #0072b2; --mark: #b2182b; }
    * { box-sizing: border-box; }
    html { -webkit-text-size-adjust: 100%; }
    body { margin: 0; background: #ffffff; color: var(--text); font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
    main { max-width: 1000px; margin: 0 auto; padding: 40px 32px 64px; }
    h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 .35rem; letter-spacing: -.01em; }
    h2 { font-size: 1.4rem; line-height: 1.3; margin: 2.6rem 0 .8rem; padding-bottom: .3rem; border-bottom: 1px solid var(--rule); }
    h3 { font-size: 1.12rem; margin: 1.8rem 0 .4rem; }
    p, ul, ol { max-width: 46em; }
    p { margin: .7rem 0; }
    li { margin: .2rem 0; }
    a { color: var(--accent); text-decoration: none; }
    a:hover { text-decoration: underline; }
    .subtitle { color: var(--muted); font-size: 1.1rem; margin: 0 0 1rem; }
    dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1.2rem; margin: 0 0 1.5rem; font-size: .9rem; color: var(--muted); }
    dl.meta dt { font-weight: 600; color: var(--text); }
    dl.meta dd { margin: 0; overflow-wrap: anywhere; }
    nav.toc { background: var(--soft); border-radius: 8px; padding: .9rem 1.3rem 1rem; margin: 1.6rem 0 2rem; font-size: .95rem; }
    nav.toc h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); border: 0; margin: 0 0 .3rem; padding: 0; }
    nav.toc ol { margin: 0; padding-left: 1.4rem; }
    figure { margin: 1.8rem 0; }
    figure > svg, .figure-cell > svg { display: block; max-width: 100%; height: auto; }
    figcaption { font-size: .9rem; color: var(--muted); margin: .6rem 0 0; max-width: 46em; }
    figcaption .label, caption .label { font-weight: 600; color: var(--text); }
    .figure-row { display: flex; flex-wrap: wrap; gap: 16px 24px; align-items: flex-start; }
    .figure-cell { flex: 0 1 auto; max-width: 100%; }
    .subcaption { text-align: center; font-size: .85rem; color: var(--muted); margin-top: .2rem; }
    .table-wrap { overflow-x: auto; }
    table { border-collapse: collapse; font-size: .92rem; font-variant-numeric: tabular-nums; }
    caption { caption-side: top; text-align: left; font-size: .9rem; color: var(--muted); padding-bottom: .55rem; }
    th, td { padding: .38rem .8rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: baseline; }
    thead th { border-bottom: 2px solid #b9bcc2; font-weight: 600; vertical-align: bottom; }
    tbody th { font-weight: 500; }
    .num { text-align: right; white-space: nowrap; }
    .center { text-align: center; }
    tr.group > * { border-top: 2px solid #b9bcc2; }
    td.best { background: #f1f7fb; }
    .pm { color: var(--muted); font-size: .86em; }
    sup.mark { color: var(--mark); font-size: .72em; margin-left: .12em; }
    .cell-note { color: var(--muted); font-size: .8em; }
    .footnote { font-size: .82rem; color: var(--muted); margin: .5rem 0 0; }
    .keyfigures { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 12px; margin: 1.4rem 0; }
    .keyfigure { background: var(--soft); border-radius: 8px; padding: .75rem 1rem .8rem; }
    .kf-label { font-size: .82rem; color: var(--muted); }
    .kf-value { font-size: 1.65rem; font-weight: 650; line-height: 1.25; font-variant-numeric: tabular-nums; }
    .kf-detail { font-size: .82rem; color: var(--muted); }
    aside.note { border-left: 4px solid var(--accent); background: #f2f7fb; padding: .6rem 1rem; margin: 1.2rem 0; max-width: 46em; border-radius: 0 6px 6px 0; }
    code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .86em; background: var(--soft); padding: .08em .32em; border-radius: 4px; }
    pre { background: var(--soft); padding: .8rem 1rem; border-radius: 6px; overflow-x: auto; font-size: .86rem; line-height: 1.45; }
    pre code { background: none; padding: 0; font-size: 1em; }
    footer { margin-top: 3rem; padding-top: .8rem; border-top: 1px solid var(--rule); font-size: .82rem; color: var(--muted); }
    @media (max-width: 640px) { main { padding: 24px 16px 48px; } h1 { font-size: 1.6rem; } }
    @media print {
      body { font-size: 10.5pt; }
      main { max-width: none; padding: 0; }
      a { color: inherit; }
      nav.toc { background: none; padding: 0; }
      h2, h3 { break-after: avoid; }
      figure, table, .keyfigure, aside.note { break-inside: avoid; }
      td.best { background: none; }
    }

    """
}

/// Prose to HTML: escaped text with `code` spans and **bold**; nothing else is interpreted.
package enum InlineText {
    static func html(_ text: String) -> String {
        var out = ""
        let parts = text.components(separatedBy: "`")
        for (i, part) in parts.enumerated() {
            // Odd parts are code, unless the last backtick is unpaired.
            if i % 2 == 1 && (parts.count % 2 == 1 || i < parts.count - 1) {
                out += "<code>" + XML.escape(part) + "</code>"
                continue
            }
            if i % 2 == 1 { out += "`" }
            let pieces = part.components(separatedBy: "**")
            for (j, piece) in pieces.enumerated() {
                if j % 2 == 1 && (pieces.count % 2 == 1 || j < pieces.count - 1) {
                    out += "<strong>" + XML.escape(piece) + "</strong>"
                } else {
                    out += (j % 2 == 1 ? "**" : "") + XML.escape(piece)
                }
            }
        }
        return out
    }

    /// A URL fragment from a title: lower case ASCII letters and digits joined by hyphens.
    package static func slug(_ title: String) -> String {
        var out = ""
        var pendingHyphen = false
        for scalar in title.lowercased().unicodeScalars {
            if (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") {
                if pendingHyphen && !out.isEmpty { out += "-" }
                out.unicodeScalars.append(scalar)
                pendingHyphen = false
            } else {
                pendingHyphen = true
            }
        }
        return out
    }
}
