import Foundation

/// A self-contained HTML page: a title, metadata, headline numbers, a table of contents, and
/// sections of prose, figures (inline SVG) and tables, with embedded CSS and no external resources
/// or scripts. Figures and tables are numbered in order. The markup is also well-formed XML (void
/// elements self-closed), so tests and tools can parse it.
public struct HTMLReport: Sendable {
    /// A labelled line under the title: a date, a command.
    public struct Metadata: Sendable, Hashable {
        public var label: String
        public var value: String
        /// Set in monospace (commands, paths).
        public var isCode: Bool

        public init(_ label: String, _ value: String, isCode: Bool = false) {
            (self.label, self.value, self.isCode) = (label, value, isCode)
        }
    }

    /// A headline number in a card: "Best mean top-1", "92.4%", "FReLU, ResNet-20".
    public struct KeyFigure: Sendable, Hashable {
        public var label: String
        public var value: String
        public var detail: String?

        public init(_ label: String, value: String, detail: String? = nil) {
            (self.label, self.value, self.detail) = (label, value, detail)
        }
    }

    /// A chart inlined as SVG, with a caption.
    public struct Figure: Sendable, Hashable {
        /// The `<svg>` element.
        public var svg: String
        public var caption: String?

        public init(_ chart: any Chart, caption: String? = nil) {
            (self.svg, self.caption) = (chart.inlineSVG(), caption)
        }
    }

    public enum Block: Sendable, Hashable {
        /// Prose, escaped, with `code` in backticks and **bold** in double asterisks.
        case paragraph(String)
        /// A sub-heading (h3).
        case heading(String)
        case figure(Figure)
        /// Figures side by side (wrapping on narrow screens) under one number and caption.
        case figureRow([Figure], caption: String?)
        case table(HTMLTable)
        case list([String])
        /// A highlighted remark.
        case note(String)
    }

    public struct Section: Sendable, Hashable {
        public var title: String
        public var blocks: [Block]

        public init(_ title: String, blocks: [Block]) {
            (self.title, self.blocks) = (title, blocks)
        }
    }

    public var title: String
    public var subtitle: String?
    public var metadata: [Metadata]
    /// Cards under the title, before the table of contents.
    public var keyFigures: [KeyFigure]
    public var sections: [Section]
    public var footer: String?

    public init(title: String, subtitle: String? = nil, metadata: [Metadata] = [], keyFigures: [KeyFigure] = [], sections: [Section] = [], footer: String? = nil) {
        (self.title, self.subtitle, self.metadata, self.keyFigures, self.sections, self.footer) = (title, subtitle, metadata, keyFigures, sections, footer)
    }

    /// Writes ``html()`` to `url` as UTF-8.
    public func write(to url: URL) throws { try Data(html().utf8).write(to: url) }

    /// Section anchors from their titles, unique within the page.
    func sectionIDs() -> [String] {
        var used: Set<String> = ["top", "contents"]
        return sections.map { section in
            let base = InlineText.slug(section.title).isEmpty ? "section" : InlineText.slug(section.title)
            var (id, n) = (base, 2)
            while used.contains(id) { (id, n) = (base + "-\(n)", n + 1) }
            used.insert(id)
            return id
        }
    }

    /// The whole page.
    public func html() -> String {
        let ids = sectionIDs()
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        out += "<title>" + XML.escape(title) + "</title>\n<style>\n" + HTMLReport.css + "</style>\n</head>\n<body>\n<main>\n"
        out += "<header class=\"report\" id=\"top\">\n<h1>" + XML.escape(title) + "</h1>\n"
        if let subtitle, !subtitle.isEmpty { out += "<p class=\"subtitle\">" + InlineText.html(subtitle) + "</p>\n" }
        if !metadata.isEmpty {
            out += "<dl class=\"meta\">\n" + metadata.map { item in
                "<dt>" + XML.escape(item.label) + "</dt><dd>" + (item.isCode ? "<code>" + XML.escape(item.value) + "</code>" : XML.escape(item.value)) + "</dd>\n"
            }.joined() + "</dl>\n"
        }
        out += "</header>\n"
        if !keyFigures.isEmpty {
            out += "<div class=\"keyfigures\">\n" + keyFigures.map { figure in
                "<div class=\"keyfigure\"><div class=\"kf-label\">" + XML.escape(figure.label) + "</div><div class=\"kf-value\">" + XML.escape(figure.value) + "</div>"
                    + (figure.detail.map { "<div class=\"kf-detail\">" + InlineText.html($0) + "</div>" } ?? "") + "</div>\n"
            }.joined() + "</div>\n"
        }
        if sections.count > 1 {
            out += "<nav class=\"toc\" id=\"contents\" aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n"
            out += zip(sections, ids).map { "<li><a href=\"#" + XML.escape($1) + "\">" + XML.escape($0.title) + "</a></li>\n" }.joined() + "</ol>\n</nav>\n"
        }
        var (figures, tables) = (0, 0)
        for (section, id) in zip(sections, ids) {
            out += "<section id=\"" + XML.escape(id) + "\">\n<h2>" + XML.escape(section.title) + "</h2>\n"
            for block in section.blocks {
                switch block {
                case let .paragraph(text): out += "<p>" + InlineText.html(text) + "</p>\n"
                case let .heading(text): out += "<h3>" + XML.escape(text) + "</h3>\n"
                case let .list(items): out += "<ul>\n" + items.map { "<li>" + InlineText.html($0) + "</li>\n" }.joined() + "</ul>\n"
                case let .note(text): out += "<aside class=\"note\">" + InlineText.html(text) + "</aside>\n"
                case let .table(table):
                    tables += 1
                    out += table.html(label: "Table \(tables).", id: "table-\(tables)")
                case let .figure(figure):
                    figures += 1
                    out += "<figure id=\"fig-\(figures)\">\n" + figure.svg + Self.caption("Figure \(figures).", figure.caption) + "</figure>\n"
                case let .figureRow(row, caption):
                    figures += 1
                    out += "<figure id=\"fig-\(figures)\">\n<div class=\"figure-row\">\n" + row.map { figure in
                        "<div class=\"figure-cell\">\n" + figure.svg + (figure.caption.map { "<div class=\"subcaption\">" + InlineText.html($0) + "</div>\n" } ?? "") + "</div>\n"
                    }.joined() + "</div>\n" + Self.caption("Figure \(figures).", caption) + "</figure>\n"
                }
            }
            out += "</section>\n"
        }
        if let footer, !footer.isEmpty { out += "<footer>" + InlineText.html(footer) + "</footer>\n" }
        return out + "</main>\n</body>\n</html>\n"
    }

    private static func caption(_ label: String, _ text: String?) -> String {
        "<figcaption><span class=\"label\">" + XML.escape(label) + "</span>" + (text?.isEmpty == false ? " " + InlineText.html(text!) : "") + "</figcaption>\n"
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
        paired(text, "`", wrap: { "<code>" + XML.escape($0) + "</code>" }) { paired($0, "**", wrap: { "<strong>" + XML.escape($0) + "</strong>" }, rest: XML.escape) }
    }

    /// `text` with the pieces between pairs of `delimiter` wrapped and the rest passed to `rest`;
    /// an unpaired delimiter stays as it is.
    private static func paired(_ text: String, _ delimiter: String, wrap: (String) -> String, rest: (String) -> String) -> String {
        let parts = text.components(separatedBy: delimiter)
        return parts.enumerated().map { i, part in
            guard i % 2 == 1 else { return rest(part) }
            return parts.count % 2 == 1 || i < parts.count - 1 ? wrap(part) : delimiter + rest(part)
        }.joined()
    }

    /// A URL fragment from a title: its runs of ASCII letters and digits, lower-cased, joined by hyphens.
    package static func slug(_ title: String) -> String {
        title.lowercased().unicodeScalars.split { !("a"..."z").contains($0) && !("0"..."9").contains($0) }
            .map { String(String.UnicodeScalarView($0)) }.joined(separator: "-")
    }
}
