import Foundation
import Testing
import FunnelTestSupport
@testable import FunnelCharts

@Suite struct ChartHTMLTableTests {
    static func table() -> HTMLTable {
        HTMLTable(
            caption: "Accuracy <top-1> & loss", rowHeaderTitle: "Activation",
            columns: [HTMLTable.Column("top-1 (%)", best: .highest), HTMLTable.Column("loss", best: .lowest, format: .fixed(3)),
                      HTMLTable.Column("params", alignment: .left, format: .auto)],
            rows: [
                HTMLTable.Row("ReLU", [HTMLTable.Cell(86.75, spread: 0.21), HTMLTable.Cell(0.409, spread: 0.006), HTMLTable.Cell(272_474)]),
                HTMLTable.Row("FReLU", [HTMLTable.Cell(88.9, spread: 0.15, mark: "\u{2020}"), HTMLTable.Cell(0.371), HTMLTable.Cell(279_322)]),
                HTMLTable.Row("Mish", [HTMLTable.Cell(88.904, mark: "n.s."), HTMLTable.Cell(0.4), .empty]),
            ],
            footnote: "\u{2020} p < 0.05.")
    }

    @Test func bestPerColumnIsBoldAndTiesAsDisplayedShareIt() throws {
        let table = Self.table()
        // 88.90 and 88.904 both read 88.90: both are best.
        #expect(table.bestRows(column: 0) == [1, 2] && table.bestRows(column: 1) == [1] && table.bestRows(column: 2).isEmpty)
        let tree = try #require(XMLTree.parse(table.html()))
        #expect(tree.all("strong").map(\.text) == ["88.90", "0.371", "88.90"])
        #expect(tree.all("td").filter { $0["class"]?.contains("best") == true }.count == 3)
    }

    @Test func spreadsMarksCaptionAndFootnote() throws {
        let html = Self.table().html()
        let tree = try #require(XMLTree.parse(html))
        #expect(tree.all("span", class: "pm").map(\.text) == [" \u{00B1}\u{2009}0.21", " \u{00B1}\u{2009}0.006", " \u{00B1}\u{2009}0.15"])
        #expect(tree.all("sup", class: "mark").map(\.text) == ["\u{2020}", "n.s."])
        #expect(tree.all("caption").first?.text == "Accuracy <top-1> & loss" && html.contains("Accuracy &lt;top-1&gt; &amp; loss"))
        #expect(tree.all("p", class: "footnote").first?.text == "\u{2020} p < 0.05.")
        #expect(tree.all("th").map(\.text) == ["Activation", "top-1 (%)", "loss", "params", "ReLU", "FReLU", "Mish"])
        #expect(tree.all("td").map(\.text).contains("272474") && tree.all("td").map(\.text).contains("\u{2014}"))
    }
}

@Suite struct ChartHTMLReportTests {
    static func report() -> HTMLReport {
        let chart = Plot(title: "curve", marks: [Line("ReLU", x: [0, 1, 2], y: [0, 1, 4], color: Palette.okabeIto[0])])
        return HTMLReport(
            title: "Study <1>", subtitle: "ResNet-20 & CIFAR-10",
            metadata: [HTMLReport.Metadata("Command", "funnel report --out r.html", isCode: true)],
            keyFigures: [HTMLReport.KeyFigure("best", value: "88.9%")],
            sections: [
                HTMLReport.Section("Results", blocks: [
                    .paragraph("Use `funnel plot acts` for **all** activations; a < b."),
                    .figure(HTMLReport.Figure(chart, caption: "A line.")),
                    .table(ChartHTMLTableTests.table()),
                ]),
                HTMLReport.Section("Results", blocks: [
                    .figureRow([HTMLReport.Figure(chart), HTMLReport.Figure(chart)], caption: "Two lines."),
                    .list(["one", "two"]),
                    .note("Synthetic."),
                ]),
            ],
            footer: "Made by Funnel.")
    }

    @Test func isOneSelfContainedDocument() throws {
        let html = Self.report().html()
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<style>"))
        for external in ["http", "src=", "<script", "<link", "@import", "url("] { #expect(!html.contains(external), "\(external)") }
        // Polyglot markup: an XML parser reads it too.
        #expect(XMLTree.parse(html) != nil)
        #expect(html == Self.report().html())
    }

    @Test func containsSectionsFiguresAndTablesInOrder() throws {
        let tree = try #require(XMLTree.parse(Self.report().html()))
        #expect(tree.all("section").map { $0["id"] } == ["results", "results-2"])
        #expect(tree.all("a", inside: "toc").map { $0["href"] } == ["#results", "#results-2"])
        #expect(tree.all("h2").map(\.text) == ["Contents", "Results", "Results"])
        #expect(tree.all("figure").compactMap { $0["id"] } == ["fig-1", "table-1", "fig-2"])
        #expect(tree.all("span", class: "label").map(\.text) == ["Figure 1.", "Table 1.", "Figure 2."])
        #expect(tree.all("svg").count == 3 && tree.all("svg").allSatisfy { $0["xmlns"] == nil })
        #expect(tree.all("h1").first?.text == "Study <1>" && tree.all("title").first?.text == "Study <1>")
        #expect(tree.all("div", class: "kf-value").first?.text == "88.9%")
        #expect(tree.all("li").map(\.text).suffix(2) == ["one", "two"])
        #expect(tree.all("code").map(\.text).contains("funnel report --out r.html"))
        #expect(tree.all("aside", class: "note").count == 1 && tree.all("footer").first?.text == "Made by Funnel.")
    }

    @Test func proseKeepsCodeAndBoldAndEscapesTheRest() {
        #expect(InlineText.html("Use `a<b` and **bold** & more") == "Use <code>a&lt;b</code> and <strong>bold</strong> &amp; more")
        #expect(InlineText.html("a ** b") == "a ** b")
        #expect(InlineText.html("one ` tick") == "one ` tick")
        #expect(InlineText.slug("FReLU vs. ReLU (CIFAR-10)") == "frelu-vs-relu-cifar-10")
    }

    @Test func escapingCoversMarkupAndDropsControlCharacters() {
        #expect(XML.escape("<a href=\"x\">Tom & 'Jerry'</a>") == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
        #expect(XML.escape("bell\u{07}tab\t") == "belltab\t")
        #expect(XMLCheck.parses("<t>" + XML.escape("\u{00}\u{1B}[0m <&>") + "</t>"))
    }

    @Test func coordinatesAreRoundedWithoutTrailingZeros() {
        #expect(svgNumber(12) == "12" && svgNumber(12.5) == "12.5" && svgNumber(0.05) == "0.05")
        #expect(svgNumber(-0.001) == "0" && svgNumber(-3.1) == "-3.1" && svgNumber(.nan) == "0")
    }
}
