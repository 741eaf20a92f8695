import Foundation
import Testing
import FunnelTestSupport
@testable import FunnelCharts

@Suite struct ChartLineTests {
    static let epochs = (0...20).map(Double.init)

    static func threeSeries() -> LineChart {
        let x = epochs
        return LineChart(
            title: "Accuracy",
            series: [
                .meanAndSpread("ReLU", x: x, mean: x.map { 0.5 + 0.02 * $0 }, std: x.map { _ in 0.02 }),
                LineSeries("FReLU", x: x, y: x.map { 0.52 + 0.021 * $0 }),
                LineSeries("FReLU'", x: x, y: x.map { 0.9 - 0.01 * $0 }, dash: .dashed),
            ],
            xAxis: ChartAxis("epoch"), yAxis: ChartAxis("accuracy", domain: 0...1), legend: .right
        )
    }

    @Test func onePathPerSeriesAndABandPolygon() throws {
        let chart = Self.threeSeries()
        let tree = try #require(XMLTree.parse(chart.svg()))
        let paths = tree.all("path", class: "series")
        #expect(paths.map { $0["data-name"] } == ["ReLU", "FReLU", "FReLU'"])
        #expect(paths.allSatisfy { $0["d"]?.hasPrefix("M") == true })
        #expect(tree.all("path", class: "band").count == 1)
        #expect(paths[2]["stroke-dasharray"] != nil)
        #expect(paths[0]["stroke-dasharray"] == nil)
        #expect(paths[0]["stroke"] == Palette.okabeIto[0].hex)
        #expect(paths[1]["stroke"] == Palette.okabeIto[1].hex)
    }

    @Test func legendNamesEverySeries() throws {
        let tree = try #require(XMLTree.parse(Self.threeSeries().svg()))
        let legend = tree.all("text", inside: "legend").map(\.text)
        #expect(legend == ["ReLU", "FReLU", "FReLU'"])
    }

    @Test func tickLabelsAreTheScaleLabels() throws {
        let chart = Self.threeSeries()
        let layout = chart.layout()
        let tree = try #require(XMLTree.parse(chart.svg()))
        #expect(tree.all("text", inside: "y-ticks").map(\.text) == layout.y.tickLabels().map(displayMinus))
        #expect(tree.all("text", inside: "y-ticks").map(\.text) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let xLabels = tree.all("text", inside: "x-ticks").map(\.text)
        #expect(xLabels.first == "0" && xLabels.last == "20")
        #expect(tree.texts.contains("epoch") && tree.texts.contains("accuracy"))
    }

    @Test func dataPointMapsToTheHandComputedPixel() throws {
        // Plot: x from 50 to 400 - 20 = 380, y from 20 to 300 - 40 = 260.
        let chart = LineChart(
            series: [LineSeries("s", x: [0, 5, 10], y: [0, 0.25, 1], marker: .circle)],
            xAxis: ChartAxis(domain: 0...10), yAxis: ChartAxis(domain: 0...1),
            size: ChartSize(width: 400, height: 300), margins: ChartInsets(top: 20, right: 20, bottom: 40, left: 50), legend: .none
        )
        let layout = chart.layout()
        #expect(layout.plot == ChartRect(x: 50, y: 20, width: 330, height: 240))
        #expect(layout.pixel(5, 0.25) == PixelPoint(x: 215, y: 200))
        let tree = try #require(XMLTree.parse(chart.svg()))
        let markers = tree.all("circle", inside: "markers")
        #expect(markers.map { [$0.double("cx"), $0.double("cy")] } == [[50, 260], [215, 200], [380, 20]])
        let line = try #require(tree.all("path", class: "series").first?["d"])
        #expect(line == "M50 260L215 200L380 20")
    }

    @Test func linesAreClippedToThePlot() throws {
        let chart = LineChart(
            series: [LineSeries("wild", x: [-5, 0, 5, 10, 15], y: [-3, 0.5, 4, 0.5, -2])],
            xAxis: ChartAxis(domain: 0...10), yAxis: ChartAxis(domain: 0...1),
            size: ChartSize(width: 400, height: 300), margins: ChartInsets(top: 20, right: 20, bottom: 40, left: 50), legend: .none
        )
        let tree = try #require(XMLTree.parse(chart.svg()))
        let d = try #require(tree.all("path", class: "series").first?["d"])
        let points = pathPoints(d)
        #expect(!points.isEmpty)
        #expect(points.allSatisfy { $0.0 >= 50 - 0.01 && $0.0 <= 380.01 && $0.1 >= 19.99 && $0.1 <= 260.01 })
    }

    @Test func nonFiniteValuesBreakTheLine() throws {
        let chart = LineChart(series: [LineSeries("gap", x: [0, 1, 2, 3, 4], y: [1, 2, .nan, 2, 1])], legend: .none)
        let tree = try #require(XMLTree.parse(chart.svg()))
        let d = try #require(tree.all("path", class: "series").first?["d"])
        #expect(d.filter { $0 == "M" }.count == 2)
    }

    @Test func automaticLegendFindsAFreeCorner() throws {
        // A rising line fills the top-right and bottom-left corners; the legend goes top-left.
        let x = (0...50).map(Double.init)
        let chart = LineChart(series: [LineSeries("a", x: x, y: x), LineSeries("b", x: x, y: x.map { $0 * 0.9 })])
        let layout = chart.layout()
        let frame = try #require(layout.legendFrame(entries: chart.legendEntries, style: chart.style))
        #expect(layout.plot.encloses(frame))
        for s in chart.series {
            let pixels = s.points.map { layout.pixel($0.x, $0.y) }
            for i in 1..<pixels.count {
                #expect(Clip.segment(pixels[i - 1], pixels[i], to: frame) == nil, "legend covers series \(s.name)")
            }
        }
        #expect(frame.midX < layout.plot.midX && frame.midY < layout.plot.midY)
    }

    @Test func automaticLegendMovesOutsideWhenEveryCornerIsTaken() throws {
        var rng = ChartDemo.Random(state: 1)
        let x = (0...200).map(Double.init)
        let noisy = LineSeries("noise", x: x, y: x.map { _ in rng.uniform() })
        let other = LineSeries("more noise", x: x, y: x.map { _ in rng.uniform() })
        let chart = LineChart(series: [noisy, other])
        let layout = chart.layout()
        let frame = try #require(layout.legendFrame(entries: chart.legendEntries, style: chart.style))
        #expect(!frame.intersects(layout.plot))
        #expect(frame.minX >= layout.plot.maxX)
        #expect(frame.maxX <= chart.size.width)
    }

    @Test func outsideLegendsStayOutOfThePlot() throws {
        for placement in [LegendPlacement.right, .top, .bottom] {
            var chart = Self.threeSeries()
            chart.legend = placement
            let layout = chart.layout()
            let frame = try #require(layout.legendFrame(entries: chart.legendEntries, style: chart.style))
            #expect(!frame.intersects(layout.plot), "\(placement)")
            #expect(ChartRect(x: 0, y: 0, width: chart.size.width, height: chart.size.height).encloses(frame), "\(placement)")
        }
    }

    @Test func lineEndLabelsSitRightOfThePlotWithoutOverlapping() throws {
        let x = (0...10).map(Double.init)
        let chart = LineChart(series: (0..<4).map { k in LineSeries("series \(k)", x: x, y: x.map { $0 + 0.01 * Double(k) }) },
                              legend: .lineEnds)
        let layout = chart.layout()
        let tree = try #require(XMLTree.parse(chart.svg()))
        let labels = tree.all("text", inside: "line-labels")
        #expect(Set(labels.map(\.text)) == Set((0..<4).map { "series \($0)" }))
        #expect(labels.allSatisfy { ($0.double("x") ?? 0) > layout.plot.maxX })
        let ys = labels.compactMap { $0.double("y") }.sorted()
        for i in 1..<ys.count { #expect(ys[i] - ys[i - 1] >= chart.style.legendSize) }
    }

    @Test func logAxisTickLabels() throws {
        let steps = (1...100).map { Double($0) * 100 }
        let chart = LineChart(series: [LineSeries("loss", x: steps, y: steps.map { 3 / $0.squareRoot() })],
                              xAxis: ChartAxis(format: .si(nil)), yAxis: .log("loss"), legend: .none)
        let tree = try #require(XMLTree.parse(chart.svg()))
        // 0.03...0.3 spans one decade: ticks on 1, 2 and 5.
        #expect(tree.all("text", inside: "y-ticks").map(\.text) == ["0.02", "0.05", "0.1", "0.2", "0.5"])
        #expect(tree.all("path", class: "grid-minor").count == 1)
    }

    @Test func titlesAreEscaped() throws {
        var chart = Self.threeSeries()
        chart.title = "a < b & \"c\""
        chart.series[0].name = "<ReLU & co>"
        let svg = chart.svg()
        #expect(svg.contains("a &lt; b &amp; &quot;c&quot;"))
        #expect(!svg.contains("<ReLU"))
        let tree = try #require(XMLTree.parse(svg))
        #expect(tree.texts.contains("a < b & \"c\""))
        #expect(tree.all("title").first?.text == "a < b & \"c\"")
        #expect(tree.all("path", class: "series").first?["data-name"] == "<ReLU & co>")
    }

    @Test func outputIsDeterministic() {
        #expect(Self.threeSeries().svg() == Self.threeSeries().svg())
        #expect(ChartDemo.activationSheet().svg() == ChartDemo.activationSheet().svg())
    }

    @Test func inlineSVGHasNoNamespaceURL() {
        let chart = Self.threeSeries()
        #expect(chart.svg().contains("xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(!chart.inlineSVG().contains("http"))
    }

    @Test func sharedAxesMakePanelsComparable() throws {
        let x = (0...10).map(Double.init)
        let small = LineChart(series: [LineSeries("a", x: x, y: x)])
        let large = LineChart(series: [LineSeries("b", x: x, y: x.map { 10 * $0 })])
        let shared = LineChart.sharingAxes([small, large])
        #expect(shared[0].yAxis.domain == shared[1].yAxis.domain)
        // 0...100 plus a little headroom, rounded to a fine step rather than a whole tick.
        let top = try #require(shared[0].yAxis.domain?.upperBound)
        #expect(top > 100 && top <= 110)
    }
}

@Suite struct ChartScatterTests {
    static func labelled() -> ScatterChart {
        let names = ["ReLU", "Swish", "Mish", "FReLU", "DY-ReLU-B"]
        let speed = [276.0, 202, 161, 129, 98]
        let accuracy = [0.8675, 0.872, 0.874, 0.889, 0.881]
        let points = names.indices.map { ScatterPoint(x: speed[$0], y: accuracy[$0], label: names[$0], xError: 8, yError: 0.003) }
        return ScatterChart(title: "Speed and accuracy", series: [ScatterSeries("runs", points: points)],
                            xAxis: ChartAxis("images/s"), yAxis: ChartAxis("top-1", format: .percent(nil)),
                            references: [.horizontal(0.8675, label: "ReLU anchor")])
    }

    @Test func labelledPointsWithErrorBars() throws {
        let chart = Self.labelled()
        let tree = try #require(XMLTree.parse(chart.svg()))
        #expect(tree.all("circle", inside: "points").count == 5)
        #expect(Set(tree.all("text", inside: "point-labels").map(\.text)) == ["ReLU", "Swish", "Mish", "FReLU", "DY-ReLU-B"])
        let bars = try #require(tree.all("path", class: "error-bars").first?["d"])
        // Each point: a vertical bar with two caps and a horizontal bar with two caps.
        #expect(bars.filter { $0 == "M" }.count == 5 * 6)
        #expect(tree.texts.contains("ReLU anchor"))
        // One series: no legend.
        #expect(tree.all("text", inside: "legend").isEmpty)
    }

    @Test func labelsDoNotOverlapEachOtherOrTheMarkers() {
        let chart = Self.labelled()
        let layout = chart.layout()
        let placed = chart.placeLabels(layout)
        let boxes = placed.points.map(\.box) + placed.references.compactMap { $0?.box }
        for i in boxes.indices {
            for j in boxes.indices where j > i {
                #expect(!boxes[i].intersects(boxes[j]), "\(placed.points.map(\.text))")
            }
        }
        for point in chart.series[0].points {
            let q = layout.pixel(point.x, point.y)
            for box in boxes { #expect(!box.contains(q)) }
        }
    }

    @Test func denseModeDrawsEveryPointSmallAndTranslucent() throws {
        var rng = ChartDemo.Random(state: 2)
        let x = (0..<3000).map { _ in rng.normal() }
        let y = x.map { max($0, 0.5 * $0 + 0.3 * rng.normal()) }
        let chart = ScatterChart(series: [.dense("FReLU", x: x, y: y)], references: [.identity()])
        let tree = try #require(XMLTree.parse(chart.svg()))
        let group = try #require(tree.elements.first { $0["class"] == "dense" })
        #expect(group["fill-opacity"] == "0.25")
        let dots = tree.all("circle", inside: "dense")
        #expect(dots.count == 3000)
        #expect(dots.allSatisfy { $0["r"] == "1.3" })
    }

    @Test func denseSeriesIsThinnedDeterministically() {
        let x = (0..<10_000).map(Double.init)
        let series = ScatterSeries.dense("d", x: x, y: x, maxPoints: 1000)
        #expect(series.points.count == 1000)
        #expect(series.points[1].x == 10)
    }
}

@Suite struct ChartBarTests {
    @Test func oneRectPerValueWithErrorBarsAndLegend() throws {
        let chart = BarChart(
            categories: ["ResNet-18", "ResNet-34"],
            series: [
                BarSeries("ReLU", values: [0.5, 0.6], errors: [0.02, 0.03]),
                BarSeries("FReLU", values: [0.55, nil], errors: [0.01, nil]),
            ],
            yAxis: ChartAxis("accuracy", domain: 0...1),
            size: ChartSize(width: 500, height: 300), margins: ChartInsets(top: 20, right: 120, bottom: 40, left: 50), legend: .right
        )
        let tree = try #require(XMLTree.parse(chart.svg()))
        let rects = tree.all("rect", inside: "bars")
        #expect(rects.count == 3)
        #expect(rects.map { $0["data-name"] } == ["ReLU", "ReLU", "FReLU"])
        // Value 0.5 on 0...1 over a 240 px plot: 120 px tall, standing on the baseline at y = 260.
        #expect(rects[0].double("height") == 120)
        #expect(rects[0].double("y") == 140)
        let bars = try #require(tree.all("path", class: "error-bars").first?["d"])
        #expect(bars.filter { $0 == "M" }.count == 3 * 3)
        #expect(tree.all("text", inside: "legend").map(\.text) == ["ReLU", "FReLU"])
        #expect(tree.all("text", inside: "x-ticks").map(\.text) == ["ResNet-18", "ResNet-34"])
    }

    @Test func automaticAxisIncludesZero() {
        let chart = BarChart(categories: ["a", "b"], series: [BarSeries("s", values: [3, 7])])
        #expect(chart.layout().y.domain.lowerBound == 0)
    }
}

@Suite struct ChartHeatmapTests {
    @Test func extremeCellsGetTheMapEndsAndZeroTheCentre() throws {
        let heatmap = Heatmap(values: [[-2, 0, 1], [0.5, 2, -1], [0, 0, 0]], valueLabels: .fixed(1))
        #expect(heatmap.resolvedRange == -2...2)
        let tree = try #require(XMLTree.parse(heatmap.svg()))
        let cells = tree.all("rect", inside: "cells")
        #expect(cells.count == 9)
        let map = ColorMap.blueRed
        #expect(cells[0]["fill"] == map.stops.first?.hex)
        #expect(cells[4]["fill"] == map.stops.last?.hex)
        #expect(cells[1]["fill"] == map.stops[5].hex) // 0 is the middle stop
        #expect(tree.all("text", inside: "cell-values").count == 9)
        #expect(tree.all("text", inside: "cell-values").first?.text == "\u{2212}2.0")
        // The colour bar runs between the same two colours.
        let bar = tree.all("rect", inside: "color-bar")
        #expect(bar.first?["fill"] == map.stops.last?.hex)
        #expect(bar.dropLast().last?["fill"] == map.stops.first?.hex)
    }

    @Test func sequentialMapSpansMinimumToMaximum() throws {
        let heatmap = Heatmap(values: [[0.2, 0.4], [0.6, 1.0]], colorMap: .viridis, colorBar: false)
        let tree = try #require(XMLTree.parse(heatmap.svg()))
        let cells = tree.all("rect", inside: "cells")
        #expect(cells.first?["fill"] == ColorMap.viridis.stops.first?.hex)
        #expect(cells.last?["fill"] == ColorMap.viridis.stops.last?.hex)
        #expect(tree.all("g", class: "color-bar").isEmpty)
    }

    @Test func cellTextContrastsWithItsCell() {
        #expect(ColorMap.blueRed.stops.first?.contrastingText == .white)
        #expect(ColorMap.blueRed.stops[5].contrastingText != .white)
    }

    @Test func gridSharesOneRangeAndOneColorBar() throws {
        let items = (0..<10).map { k in
            HeatmapGrid.Item(values: [[Double(k) - 5, 0, 0], [0, 0, 0], [0, 0, Double(k)]], caption: "ch \(k)")
        }
        let grid = HeatmapGrid(title: "kernels", items: items, columns: 4)
        #expect(grid.resolvedRange == -9...9)
        let tree = try #require(XMLTree.parse(grid.svg()))
        #expect(tree.all("rect", inside: "cells").count == 90)
        #expect(tree.all("g", class: "color-bar").count == 1)
        #expect(tree.all("text", class: "caption").map(\.text) == (0..<10).map { "ch \($0)" })
        #expect(tree.all("rect", inside: "cells").last?["fill"] == ColorMap.blueRed.stops.last?.hex)
    }
}

@Suite struct ChartImageTests {
    static func gradient() -> RGBImage {
        var pixels: [UInt8] = []
        for y in 0..<4 {
            for x in 0..<5 { pixels += [UInt8(x * 60), UInt8(y * 80), 128] }
        }
        return RGBImage(width: 5, height: 4, pixels: pixels)
    }

    @Test func pngDataURIRoundTrips() throws {
        let image = Self.gradient()
        let tree = try #require(XMLTree.parse(ImageTile(image: image, caption: "cat").svg()))
        let href = try #require(tree.all("image").first?["href"])
        #expect(href.hasPrefix("data:image/png;base64,"))
        let png = try #require(Data(base64Encoded: String(href.dropFirst("data:image/png;base64,".count))))
        let bytes = [UInt8](png)
        #expect(Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // Walk the chunks, checking each CRC, and inflate the stored IDAT blocks.
        var offset = 8
        var types: [String] = []
        var idat: [UInt8] = []
        while offset < bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let body = Array(bytes[(offset + 8)..<(offset + 8 + length)])
            let crc = bytes[(offset + 8 + length)..<(offset + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(crc == PNG.crc32(Array(bytes[(offset + 4)..<(offset + 8)]) + body), "CRC of \(type)")
            types.append(type)
            if type == "IDAT" { idat += body }
            offset += 12 + length
        }
        #expect(types == ["IHDR", "IDAT", "IEND"])
        #expect(idat[0] == 0x78 && idat[2] == 1) // zlib header, one final stored block
        let length = Int(idat[3]) | Int(idat[4]) << 8
        let raw = Array(idat[7..<(7 + length)])
        #expect(length == 4 * (5 * 3 + 1))
        var decoded: [UInt8] = []
        for row in 0..<4 {
            #expect(raw[row * 16] == 0)
            decoded += raw[(row * 16 + 1)..<(row * 16 + 16)]
        }
        #expect(decoded == image.pixels)
        #expect(PNG.adler32(raw) == idat.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        #expect(tree.texts == ["cat"])
    }

    @Test func knownChecksums() {
        #expect(PNG.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        #expect(PNG.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
    }

    @Test func rectEncodingMergesRunsAndMaskOverlaysPixels() throws {
        var pixels = [UInt8](repeating: 200, count: 4 * 2 * 3)
        pixels[0] = 0 // pixel (0, 0) differs
        let image = RGBImage(width: 4, height: 2, pixels: pixels)
        let mask = [false, true, true, false, true, false, false, true]
        let tile = ImageTile(image: image, scale: 2, mask: mask, encoding: .rects)
        let tree = try #require(XMLTree.parse(tile.svg()))
        let rects = tree.all("rect", inside: "pixels")
        // Row 0: (0,0) alone, then a run of 3; row 1: one run of 4.
        #expect(rects.map { $0.double("width") } == [2, 6, 8])
        #expect(rects[0]["fill"] == "#00c8c8")
        let overlay = tree.all("rect", inside: "mask")
        #expect(overlay.map { $0.double("width") } == [4, 2, 2])
        let group = try #require(tree.elements.first { $0["class"] == "mask" })
        #expect(group["fill-opacity"] == "0.5")
    }

    @Test func channelMajorBytesAreInterleaved() {
        let image = RGBImage(width: 2, height: 1, channelMajor: [1, 2, 3, 4, 5, 6])
        #expect(image.pixels == [1, 3, 5, 2, 4, 6])
        #expect(image[1, 0] == Color(red: 2, green: 4, blue: 6))
    }
}

@Suite struct ChartSmallMultiplesTests {
    @Test func onePanelPerChartEachWithItsTitle() throws {
        let sheet = ChartDemo.activationSheet()
        let tree = try #require(XMLTree.parse(sheet.svg()))
        #expect(tree.all("g", class: "panel").count == ChartDemo.activations.count)
        for (name, _) in ChartDemo.activations { #expect(tree.texts.contains(name)) }
        // Function solid and derivative dashed in every panel.
        let lines = tree.all("path", class: "series")
        #expect(lines.count == 2 * ChartDemo.activations.count)
        #expect(lines.filter { $0["stroke-dasharray"] != nil }.count == ChartDemo.activations.count)
        // The shared legend, once.
        #expect(tree.all("text", inside: "legend").map(\.text) == ["activation f(x)", "derivative f\u{2032}(x)"])
        #expect(sheet.size.width == ((4 * 250 + 3 * 8 + 16) as Double))
    }

    @Test func panelsSitOnAGrid() {
        let panels: [any Chart] = (0..<5).map { _ in Heatmap(values: [[0, 1]], colorBar: false) }
        let grid = SmallMultiples(panels: panels, columns: 2, gap: 10)
        let cell = grid.cellSize
        #expect(grid.panelOrigin(1).x - grid.panelOrigin(0).x == cell.width + 10)
        #expect(grid.panelOrigin(2).y - grid.panelOrigin(0).y == cell.height + 10)
        #expect(grid.panelOrigin(4).x == grid.panelOrigin(0).x)
    }
}

@Suite struct ChartSVGBasicsTests {
    @Test func escapingCoversMarkupAndDropsControlCharacters() {
        #expect(XML.escape("<a href=\"x\">Tom & 'Jerry'</a>") == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
        #expect(XML.escape("bell\u{07}tab\t") == "belltab\t")
        #expect(XMLCheck.parses("<t>" + XML.escape("\u{00}\u{1B}[0m <&>") + "</t>"))
    }

    @Test func coordinatesAreRoundedWithoutTrailingZeros() {
        #expect(svgNumber(12) == "12")
        #expect(svgNumber(12.5) == "12.5")
        #expect(svgNumber(12.345) == "12.35" || svgNumber(12.345) == "12.34")
        #expect(svgNumber(0.05) == "0.05")
        #expect(svgNumber(-0.001) == "0")
        #expect(svgNumber(-3.1) == "-3.1")
        #expect(svgNumber(.nan) == "0")
    }

    @Test func paletteColoursAreDistinct() {
        let colors = Palette.okabeIto
        #expect(Set(colors).count == 8)
        // The first seven all stand out against white (the pale yellow comes last).
        for color in colors.dropLast() { #expect(color.luminance < 0.6) }
        let mapping = Palette.assign(["ReLU", "FReLU", "ReLU", "Mish"])
        #expect(mapping["ReLU"] == colors[0] && mapping["FReLU"] == colors[1] && mapping["Mish"] == colors[2])
    }

    @Test func colorMapInterpolatesBetweenStops() {
        let map = ColorMap(name: "bw", stops: [.black, .white], kind: .sequential)
        #expect(map.color(at: 0.5) == Color(red: 128, green: 128, blue: 128))
        #expect(map.color(at: -1) == .black)
        #expect(map.color(at: 2) == .white)
        #expect(ColorMap.blueRed.automaticRange(for: [-0.1, 0.4]) == -0.4...0.4)
        #expect(Color(hex: "#0072B2").hex == "#0072b2")
    }

    @Test func polylineSimplificationKeepsShape() {
        let straight = (0...100).map { PixelPoint(x: Double($0), y: 2 * Double($0)) }
        #expect(Simplify.polyline(straight) == [straight[0], straight[100]])
        let corner = [PixelPoint(x: 0, y: 0), PixelPoint(x: 5, y: 0), PixelPoint(x: 10, y: 0), PixelPoint(x: 10, y: 10)]
        #expect(Simplify.polyline(corner) == [corner[0], corner[2], corner[3]])
    }
}

@Suite struct ChartEdgeCaseTests {
    @Test func emptyAndDegenerateInputsStillDrawWellFormedSVG() {
        let charts: [any Chart] = [
            LineChart(series: []),
            LineChart(series: [LineSeries("one point", x: [3], y: [3], marker: .diamond)]),
            LineChart(series: [LineSeries("all NaN", x: [0, 1], y: [.nan, .nan])], yAxis: .log()),
            LineChart(series: [LineSeries("non-positive on log", x: [0, 1, 2], y: [-1, 0, 10])], yAxis: .log()),
            ScatterChart(series: []),
            ScatterChart(series: [ScatterSeries("single", points: [ScatterPoint(x: 1, y: 1, label: "only")])]),
            BarChart(categories: [], series: []),
            BarChart(categories: ["a"], series: [BarSeries("missing", values: [nil])]),
            Heatmap(values: []),
            Heatmap(values: [[.nan, 1]]),
            HeatmapGrid(items: []),
            SmallMultiples(panels: []),
        ]
        for chart in charts {
            let svg = chart.svg()
            #expect(XMLCheck.parses(svg), "\(type(of: chart))")
            #expect(!svg.contains("nan") && !svg.contains("inf"), "\(type(of: chart))")
        }
    }

    @Test func everyMarkerShapeDraws() throws {
        let series = MarkerShape.allCases.enumerated().map { index, shape in
            LineSeries("\(shape)", x: [0, 1], y: [Double(index), Double(index) + 1], marker: shape)
        }
        let tree = try #require(XMLTree.parse(LineChart(series: series).svg()))
        let markers = tree.elements.filter { $0.isInside("markers") }
        #expect(markers.count == 2 * MarkerShape.allCases.count)
        #expect(Set(markers.map(\.name)) == ["circle", "rect", "path"])
    }
}
