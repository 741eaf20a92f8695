import Foundation
import Testing
import FunnelTestSupport
@testable import FunnelCharts

/// The plot's layers land where its scales say.
@Suite struct ChartPlotTests {
    static let epochs = (0...20).map(Double.init)
    static let mean = epochs.map { 0.5 + 0.02 * $0 }

    static func curves() -> Plot {
        Plot(title: "Accuracy", x: Axis("epoch"), y: Axis("accuracy", domain: 0...1), marks: [
            Band("ReLU", x: epochs, mean: mean, std: epochs.map { _ in 0.02 }, color: Palette.okabeIto[0]),
            Line("ReLU", x: epochs, y: mean, color: Palette.okabeIto[0], markers: true),
            Line("FReLU", x: epochs, y: epochs.map { 0.52 + 0.021 * $0 }, color: Palette.okabeIto[1]),
            Line("FReLU\u{2032}", x: epochs, y: epochs.map { 0.9 - 0.01 * $0 }, color: Palette.okabeIto[1], dash: .dashed),
        ])
    }

    /// `(x, y)` of a point in pixels, to the 0.01 px of the SVG.
    static func rounded(_ area: PlotArea, _ x: Double, _ y: Double) -> [Double] {
        [Double(svgNumber(area.x.position(x)))!, Double(svgNumber(area.y.position(y)))!]
    }

    @Test func linesBandsAndMarkersSitAtTheirScalePositions() throws {
        let plot = Self.curves()
        let area = plot.layout().area
        let tree = try #require(XMLTree.parse(plot.svg()))
        let lines = tree.all("path", class: "series")
        #expect(lines.map { $0["data-name"] } == ["ReLU", "FReLU", "FReLU\u{2032}"])
        #expect(lines.map { $0["stroke-dasharray"] != nil } == [false, false, true])
        #expect(lines[0]["stroke"] == Palette.okabeIto[0].hex)
        // A straight line keeps only its ends.
        #expect(pathPoints(lines[0]["d"]!).map { [$0.0, $0.1] } == [Self.rounded(area, 0, 0.5), Self.rounded(area, 20, 0.9)])
        let markers = tree.all("circle", inside: "markers").map { [$0.double("cx")!, $0.double("cy")!] }
        #expect(markers == Self.epochs.indices.map { Self.rounded(area, Self.epochs[$0], Self.mean[$0]) })
        // The band: upper bound left to right, then lower bound back.
        let band = pathPoints(try #require(tree.all("path", class: "band").first?["d"])).map { [$0.0, $0.1] }
        #expect(band.count == 42)
        #expect(band.first == Self.rounded(area, 0, 0.52) && band[20] == Self.rounded(area, 20, 0.92) && band.last == Self.rounded(area, 0, 0.48))
    }

    @Test func ticksAreTheScalesAndTitlesAreDrawn() throws {
        let plot = Self.curves()
        let area = plot.layout().area
        let tree = try #require(XMLTree.parse(plot.svg()))
        #expect(tree.all("text", inside: "y-ticks").map(\.text) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(tree.all("text", inside: "y-ticks").map { $0.double("y")! } == area.y.ticks().map { Double(svgNumber(area.y.position($0) + 11.5 * 0.35))! })
        let xLabels = tree.all("text", inside: "x-ticks").map(\.text)
        #expect(xLabels.first == "0" && xLabels.last == "20")
        #expect(tree.texts.contains("epoch") && tree.texts.contains("accuracy") && tree.texts.contains("Accuracy"))
    }

    @Test func theLegendMergesLayersByNameAndSitsUnderThePlot() throws {
        let plot = Self.curves()
        let (area, legendTop) = plot.layout()
        #expect(plot.legendEntries.map(\.name) == ["ReLU", "FReLU", "FReLU\u{2032}"])
        #expect(plot.legendEntries[0] == LegendEntry("ReLU", color: Palette.okabeIto[0], line: .solid, marker: true, band: true))
        let tree = try #require(XMLTree.parse(plot.svg()))
        let legend = tree.elements.filter { $0.isInside("legend") }
        #expect(legend.filter { $0.name == "text" }.map(\.text) == ["ReLU", "FReLU", "FReLU\u{2032}"])
        // Band, line and marker for ReLU; line samples for the others.
        #expect(legend.map(\.name) == ["rect", "line", "circle", "text", "line", "text", "line", "text"])
        // Below the x-axis title, so it covers no data, and inside the chart.
        let ys = legend.compactMap { $0.double("y") ?? $0.double("y1") ?? $0.double("cy") }
        #expect(legendTop > area.rect.maxY + 30 && ys.allSatisfy { $0 >= legendTop && $0 <= plot.size.height })
        let titleY = try #require(tree.all("text", class: "x-title").first?.double("y"))
        #expect(ys.allSatisfy { $0 > titleY })
        #expect(Plot(marks: [Line("a", x: [0, 1], y: [0, 1], color: .white)]).legendEntries.count == 1)
        #expect(Plot(legend: false, marks: [Line("a", x: [0, 1], y: [0, 1], color: .white)]).legendEntries.isEmpty)
    }

    @Test func linesAreClippedAndBrokenWhereValuesCannotBeDrawn() throws {
        let wild = Plot(x: Axis(domain: 0...10), y: Axis(domain: 0...1), marks: [Line("wild", x: [-5, 0, 5, 10, 15], y: [-3, 0.5, 4, 0.5, -2], color: .white)])
        let rect = wild.layout().area.rect
        let points = pathPoints(try #require(XMLTree.parse(wild.svg())?.all("path", class: "series").first?["d"]))
        #expect(!points.isEmpty && points.allSatisfy { rect.expanded(by: 0.01).contains(PixelPoint(x: $0.0, y: $0.1)) })
        let gap = Plot(marks: [Line("gap", x: [0, 1, 2, 3, 4], y: [1, 2, .nan, 2, 1], color: .white)])
        #expect(XMLTree.parse(gap.svg())?.all("path", class: "series").first?["d"]?.filter { $0 == "M" }.count == 2)
        let log = Plot(y: .log(), marks: [Line("log", x: [0, 1, 2, 3], y: [1, 0, 10, 100], color: .white)])
        #expect(XMLTree.parse(log.svg())?.all("path", class: "series").first?["d"]?.filter { $0 == "M" }.count == 1)
    }

    @Test func logAxisTicksAndFaintGrid() throws {
        let steps = (1...100).map { Double($0) * 100 }
        let plot = Plot(y: .log("loss"), marks: [Line("loss", x: steps, y: steps.map { 3 / $0.squareRoot() }, color: .white)])
        let tree = try #require(XMLTree.parse(plot.svg()))
        // 0.03...0.3 spans one decade: ticks on 1, 2 and 5.
        #expect(tree.all("text", inside: "y-ticks").map(\.text) == ["0.02", "0.05", "0.1", "0.2", "0.5"])
        #expect(tree.all("path", class: "grid-minor").count == 1)
    }

    @Test func barsStandOnZeroInTheirCategories() throws {
        let plot = Plot(x: .categories(["ResNet-18", "ResNet-34"]), y: Axis("accuracy", domain: 0...1), size: ChartSize(width: 500, height: 300), marks: [
            Bars([Bars.Series("ReLU", values: [0.5, 0.6], color: Palette.okabeIto[0]), Bars.Series("FReLU", values: [0.55, nil], color: Palette.okabeIto[1])]),
        ])
        let area = plot.layout().area
        let tree = try #require(XMLTree.parse(plot.svg()))
        let rects = tree.all("rect", inside: "bars")
        #expect(rects.map { $0["data-name"] } == ["ReLU", "ReLU", "FReLU"])
        // Two bars in 80 % of each category's slot, 1 px apart.
        let (slot, bar) = (area.rect.width / 2, area.rect.width / 2 * 0.8 / 2)
        let expected: [(Double, Double)] = [(0, 0.5), (1, 0.6), (0, 0.55)]
        for (rect, (k, (i, value))) in zip(rects, zip([0, 0, 1], expected)) {
            let x = area.rect.minX + i * slot + 0.1 * slot + Double(k) * bar + 0.5
            #expect(rect["x"] == svgNumber(x) && rect["width"] == svgNumber(bar - 1))
            #expect(rect["y"] == svgNumber(area.y.position(value)) && rect["height"] == svgNumber(area.y.position(0) - area.y.position(value)))
        }
        #expect(tree.all("text", inside: "x-ticks").map(\.text) == ["ResNet-18", "ResNet-34"])
        #expect(tree.all("text", inside: "legend").map(\.text) == ["ReLU", "FReLU"])
        #expect(Plot(x: .categories(["a", "b"]), marks: [Bars([Bars.Series("s", values: [3, 7], color: .white)])]).layout().area.y.domain.lowerBound == 0)
    }

    @Test func crowdedCategoryLabelsTurn() throws {
        let names = (1...12).map { "a long layer name \($0)" }
        let plot = Plot(x: .categories(names), marks: [Bars([Bars.Series("s", values: names.map { _ in 1 }, color: .white)])])
        let labels = try #require(XMLTree.parse(plot.svg())).all("text", inside: "x-ticks")
        #expect(labels.count == 12 && labels.allSatisfy { $0["transform"]?.hasPrefix("rotate(-35 ") == true })
        #expect(plot.layout().area.rect.maxY < plot.size.height - 100)
    }

    static func speed() -> Plot { ChartGallery.speed() }

    @Test func pointsErrorBarsAndLabelsAtTheirPositions() throws {
        let plot = Self.speed()
        let area = plot.layout().area
        let tree = try #require(XMLTree.parse(plot.svg()))
        let circles = tree.all("circle", inside: "points")
        #expect(circles.map { [$0.double("cx")!, $0.double("cy")!] } == zip([705.0, 688, 606, 640, 465], [86.7, 87.2, 87.4, 88.9, 88.1]).map { Self.rounded(area, $0, $1) })
        #expect(circles.allSatisfy { $0["stroke"] == "#ffffff" })
        // Each point: a horizontal and a vertical bar, each with two caps.
        let bars = tree.all("path", class: "error-bars")
        #expect(bars.count == 5 && bars.allSatisfy { $0["d"]!.filter { $0 == "M" }.count == 6 })
        let first = pathPoints(bars[0]["d"]!)
        #expect([first[0].0, first[0].1, first[1].0] == [Self.rounded(area, 705 * 0.96, 86.7)[0], Self.rounded(area, 0, 86.7)[1], Self.rounded(area, 705 * 1.04, 0)[0]])
        #expect(Set(tree.all("text", inside: "point-labels").map(\.text)) == Set(ChartGallery.names))
        #expect(tree.all("text", inside: "legend").isEmpty)
    }

    @Test func labelsKeepClearOfEachOtherAndOfTheMarkers() {
        let plot = Self.speed()
        var area = plot.layout().area
        var svg = SVGWriter()
        for mark in plot.marks.dropLast() { mark.draw(into: &svg, in: &area) }
        let boxes = (plot.marks.last as! Labels).place(in: area).map(\.box)
        #expect(boxes.count == 5)
        for i in boxes.indices {
            for j in boxes.indices where j > i { #expect(!boxes[i].intersects(boxes[j])) }
            #expect(area.rect.encloses(boxes[i]))
            for case let .box(marker) in area.covered { #expect(!boxes[i].contains(PixelPoint(x: marker.midX, y: marker.midY))) }
        }
    }

    @Test func translucentPointsAreACloudAndReferenceLinesFollowTheScales() throws {
        var rng = ChartGallery.Random(state: 2)
        let x = (0..<300).map { _ in rng.normal() }
        let plot = Plot(marks: ReferenceLine.zeroAxes + [ReferenceLine(.identity, dash: .dotted), Points("cloud", x: x, y: x.map { max($0, 0.5 * $0) }, color: .white, radius: 1.3, opacity: 0.25)])
        let area = plot.layout().area
        let tree = try #require(XMLTree.parse(plot.svg()))
        let cloud = try #require(tree.all("g", class: "cloud").first)
        #expect(cloud["fill-opacity"] == "0.25" && cloud["data-name"] == "cloud")
        let dots = tree.all("circle", inside: "cloud")
        #expect(dots.count == 300 && dots.allSatisfy { $0["r"] == "1.3" && $0["stroke"] == nil })
        let lines = tree.all("line", class: "reference")
        #expect(lines.count == 3)
        #expect(lines[0]["y1"] == svgNumber(area.y.position(0)) && lines[1]["x1"] == svgNumber(area.x.position(0)))
        // The diagonal runs from (v, v) to (w, w).
        let low = max(area.x.domain.lowerBound, area.y.domain.lowerBound)
        #expect([lines[2].double("x1")!, lines[2].double("y1")!] == Self.rounded(area, low, low))
        #expect(lines[2]["stroke-linecap"] == "round")
    }

    @Test func textIsEscapedAndOutputIsDeterministic() throws {
        var plot = Self.curves()
        plot.title = "a < b & \"c\""
        plot.marks.append(Line("<ReLU & co>", x: [0, 1], y: [0, 1], color: .white))
        let svg = plot.svg()
        #expect(svg.contains("a &lt; b &amp; &quot;c&quot;") && !svg.contains("<ReLU"))
        let tree = try #require(XMLTree.parse(svg))
        #expect(tree.all("title").first?.text == "a < b & \"c\"")
        #expect(tree.all("path", class: "series").last?["data-name"] == "<ReLU & co>")
        #expect(svg == plot.svg())
        #expect(svg.contains("xmlns=\"http://www.w3.org/2000/svg\"") && !plot.inlineSVG().contains("http"))
        #expect(!svg.contains(" id=") && !svg.contains("clip"))
    }

    @Test func degenerateInputsStillDrawWellFormedSVG() {
        let charts: [any Chart] = [
            Plot(marks: []),
            Plot(marks: [Line("one point", x: [3], y: [3], color: .white, markers: true)]),
            Plot(y: .log(), marks: [Line("all missing", x: [0, 1], y: [.nan, .nan], color: .white), Band(nil, x: [0], mean: [1.5], std: [0.5], color: .white)]),
            Plot(marks: [Points(nil, x: [1], y: [1], color: .white), Labels(x: [1], y: [1], texts: ["only"]), ErrorBars(x: [1], y: [1], yError: [.nan], color: .white)]),
            Plot(x: .categories([]), marks: [Bars([])]),
            Plot(x: .categories(["a"]), marks: [Bars([Bars.Series("missing", values: [nil], color: .white)])]),
            PanelGrid(panels: []),
            HeatCells([], range: 0...1),
            HeatCells([[.nan, 1]], range: 0...1),
        ]
        for chart in charts {
            let svg = chart.svg()
            #expect(XMLCheck.parses(svg), "\(type(of: chart))")
            #expect(!svg.lowercased().contains("nan") && !svg.contains("inf"), "\(type(of: chart))")
        }
    }
}
