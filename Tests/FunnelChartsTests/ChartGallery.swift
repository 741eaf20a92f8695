import Foundation
import Testing
import FunnelTestSupport
@testable import FunnelCharts

/// Every kind of figure of the chart core on synthetic data, as one page for looking at in a
/// browser: `FUNNEL_CHART_DEMO_DIR=/tmp/gallery swift test --filter ChartGallery`, then open
/// `/tmp/gallery/gallery.html` (each figure is also written as an SVG file).
enum ChartGallery {
    /// Deterministic pseudo-random numbers (SplitMix64) with a Box–Muller normal.
    struct Random {
        var state: UInt64

        mutating func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = (state ^ (state >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }

        mutating func normal() -> Double {
            (-2 * log(max(uniform(), 1e-12))).squareRoot() * cos(2 * .pi * uniform())
        }
    }

    static let names = ["ReLU", "Swish", "Mish", "FReLU", "DY-ReLU-B"]
    static let colors = Dictionary(uniqueKeysWithValues: zip(names, Palette.series))

    /// Mean ± std per epoch with markers, the legend under the plot.
    static func curves() -> Plot {
        var rng = Random(state: 7)
        let epochs = (1...12).map(Double.init)
        var bands: [any Mark] = [], lines: [any Mark] = []
        for (name, final) in zip(names, [86.7, 87.2, 87.4, 88.9, 88.1]) {
            let mean = epochs.map { final - (final - 35) * exp(-$0 / 3) + 0.4 * rng.normal() }
            bands.append(Band(name, x: epochs, mean: mean, std: epochs.map { 0.4 + 3 * exp(-$0 / 4) }, color: colors[name]!))
            lines.append(Line(name, x: epochs, y: mean, color: colors[name]!, markers: true))
        }
        return Plot(title: "Test accuracy", subtitle: "ResNet-20, synthetic; band: ± 1 std over seeds", x: Axis("epoch", format: .fixed(0), tickCount: 6),
                    y: Axis("top-1 (%)", padding: 0.03), size: ChartSize(width: 450, height: 330), marks: bands + lines)
    }

    /// A log axis with 2s and 5s.
    static func loss() -> Plot {
        let steps = (1...60).map { Double($0) * 500 }
        return Plot(title: "Training loss", x: Axis("step"), y: .log("cross-entropy (log scale)", padding: 0.03), size: ChartSize(width: 450, height: 330),
                    marks: names.enumerated().map { k, name in Line(name, x: steps, y: steps.map { 2.3 * pow($0 / 500, -0.3 - 0.03 * Double(k)) }, color: colors[name]!) })
    }

    /// Labelled points with error bars both ways.
    static func speed() -> Plot {
        let (speed, accuracy) = ([705.0, 688, 606, 640, 465], [86.7, 87.2, 87.4, 88.9, 88.1])
        return Plot(title: "Accuracy against training speed", subtitle: "up and to the right is better; bars: ± 1 std",
                    x: Axis("training images per second", padding: 0.12), y: Axis("final test top-1 (%)", padding: 0.15), size: ChartSize(width: 450, height: 330),
                    marks: names.indices.flatMap { i -> [any Mark] in
                        [ErrorBars(x: [speed[i]], y: [accuracy[i]], xError: [speed[i] * 0.04], yError: [0.3], color: colors[names[i]]!),
                         Points(nil, x: [speed[i]], y: [accuracy[i]], color: colors[names[i]]!)]
                    } + [Labels(x: speed, y: accuracy, texts: names)])
    }

    /// Grouped bars against a baseline at 1.
    static func relativeCost() -> Plot {
        Plot(title: "Cost relative to ReLU", subtitle: "1 = as costly as ReLU", x: .categories(names), y: Axis("× ReLU", padding: 0.02),
             size: ChartSize(width: 450, height: 330), marks: [
                Bars([Bars.Series("parameters", values: [1, 1, 1, 1.03, 1.16], color: Palette.okabeIto[5]),
                      Bars.Series("FLOPs", values: [1, 1, 1, 1.04, 1.0], color: Palette.okabeIto[0]),
                      Bars.Series("training step time", values: [1, 1.02, 1.1, 1.16, 1.52], color: Palette.okabeIto[1])]),
                ReferenceLine(.horizontal(1)),
             ])
    }

    /// Long category names turn.
    static func shares() -> Plot {
        let layers = ["stem"] + (1...3).flatMap { s in (0..<3).flatMap { b in ["\(s).\(b).a1", "\(s).\(b).a2"] } }
        return Plot(title: "Where FReLU takes the spatial condition, per layer", x: .categories(layers, title: "FReLU layer"),
                    y: Axis("positions", domain: 0...1, format: .percent), size: ChartSize(width: 720, height: 300), legend: false,
                    marks: [Bars([Bars.Series("T(x) > x", values: layers.indices.map { 0.2 + 0.3 * abs(sin(Double($0))) }, color: Palette.okabeIto[0])])])
    }

    /// Small plots on one grid: a family of curves (solid) and their slopes (dashed), on fixed axes.
    static func curveSheet() -> PanelGrid {
        let xs = (0...160).map { -4 + Double($0) / 20 }
        let panels = [0.5, 1, 2, 8].enumerated().map { k, beta in
            let f = { (x: Double) in x / (1 + exp(-beta * x)) }
            return Plot(title: "β = \(beta)", x: Axis(domain: -4...4, tickCount: 4), y: Axis(domain: -1.5...4, tickCount: 4),
                        size: ChartSize(width: 225, height: 180), legend: false, style: .compact, marks: ReferenceLine.zeroAxes + [
                            Line("f(x)", x: xs, y: xs.map(f), color: Palette.color(k)),
                            Line("f′(x)", x: xs, y: xs.map { (f($0 + 1e-5) - f($0 - 1e-5)) / 2e-5 }, color: Palette.color(k).mixed(with: .white, fraction: 0.25), dash: .dashed),
                        ])
        }
        let muted = Color(hex: "#595959")
        return PanelGrid(title: "A family of curves and their slopes", subtitle: "x from −4 to 4, y clipped to [−1.5, 4]", panels: panels,
                         legend: [LegendEntry("curve f(x)", color: muted, line: .solid), LegendEntry("slope f′(x)", color: muted, line: .dashed)])
    }

    /// A cloud of translucent dots per colour, with y = x dotted.
    static func clouds() -> PanelGrid {
        var rng = Random(state: 11)
        let panels = (0..<3).map { block in
            Plot(title: "block \(block)", x: Axis("input x", tickCount: 4, padding: 0.04), y: Axis("output y", tickCount: 4, padding: 0.04),
                 size: ChartSize(width: 250, height: 220), legend: false, style: .compact, marks: ReferenceLine.zeroAxes
                    + [ReferenceLine(.identity, color: Color(hex: "#9a9a9a"), dash: .dotted)]
                    + (0..<3).map { image -> any Mark in
                        let x = (0..<300).map { _ in 1.5 * rng.normal() }
                        let slope = 0.8 + 0.1 * Double(image + block)
                        return Points(nil, x: x, y: x.map { $0 > 0 ? slope * $0 : 0.05 * $0 }, color: Palette.color(image), radius: 1.5, opacity: 0.45)
                    })
        }
        return PanelGrid(title: "Output against input, per block", panels: panels, columns: 3,
                         legend: (0..<3).map { LegendEntry("image \($0 + 1)", color: Palette.color($0), marker: true) })
    }

    /// 3x3 matrices on one diverging scale.
    static func kernels() -> PanelGrid {
        var rng = Random(state: 3)
        let kernels = (0..<16).map { c -> [[Double]] in
            let tilt = c % 4 == 0 ? 0.2 : 0
            return (0..<3).map { i in (0..<3).map { j -> Double in 0.25 * rng.normal() + (i == 1 && j == 1 ? 0.3 : 0) - tilt * Double(j - 1) } }
        }
        let range = ColorMap.symmetricRange(for: kernels.flatMap { $0.flatMap { $0 } })
        return PanelGrid(title: "Funnel condition kernels", subtitle: "first 16 channels; red positive, blue negative",
                         panels: kernels.enumerated().map { HeatCells($1, range: range, caption: "ch \($0)") }, columns: 8,
                         colorBar: ColorBar(map: .blueRed, range: range), gap: 12)
    }

    /// Images over their masks, and maps on viridis.
    static func images() -> (overlay: PanelGrid, maps: PanelGrid) {
        var rng = Random(state: 9)
        var tiles: [ImageTile] = [], masked: [ImageTile] = [], maps: [ImageTile] = []
        for k in 0..<6 {
            let (cx, cy) = (10 + 12 * rng.uniform(), 10 + 12 * rng.uniform())
            let distance = (0..<1024).map { p in hypot(Double(p % 32) - cx, Double(p / 32) - cy) }
            var rgb: [UInt8] = []
            for (p, d) in distance.enumerated() {
                let sky = Double(p / 32) / 32
                let pixel: [Double] = d < 8 ? [150 + 12 * Double(k), 90, 60] : [90 + 100 * sky, 140 + 60 * sky, 200 - 80 * sky]
                rgb += pixel.map { UInt8($0) }
            }
            tiles.append(ImageTile(width: 32, height: 32, rgb: rgb, caption: "image \(k + 1)"))
            masked.append(ImageTile(width: 32, height: 32, rgb: rgb, mask: distance.map { abs($0 - 8) < 1.5 }, caption: "ring"))
            maps.append(ImageTile(width: 32, height: 32, rgb: ColorMap.viridis.pixels(distance.map { min(1, $0 / 20) }, in: 0...1), caption: "image \(k + 1)"))
        }
        return (PanelGrid(title: "Images and where a mask holds", panels: tiles + masked, columns: 6,
                          legend: [LegendEntry("mask", color: Color(hex: "#ff6a00"), swatch: true)]),
                PanelGrid(title: "Distance from the centre", panels: maps, columns: 6, colorBar: ColorBar(map: .viridis, range: 0...1), gap: 6))
    }

    static func table() -> HTMLTable {
        HTMLTable(caption: "Test accuracy and loss, synthetic numbers.", rowHeaderTitle: "Activation",
                  columns: [HTMLTable.Column("top-1 (%)", best: .highest), HTMLTable.Column("test loss", best: .lowest, format: .fixed(3))],
                  rows: names.enumerated().map { k, name in
                      HTMLTable.Row(name, [HTMLTable.Cell(86 + Double(k) * 0.6, spread: 0.2, mark: k == 3 ? "\u{2020}" : nil, note: "n=5"), HTMLTable.Cell(0.41 - 0.01 * Double(k))])
                  }, footnote: "\u{2020} differs from ReLU. Best per column in **bold**.")
    }

    static func figures() -> [(String, any Chart)] {
        let (overlay, maps) = images()
        return [("curves", curves()), ("loss", loss()), ("speed", speed()), ("relative-cost", relativeCost()), ("shares", shares()),
                ("curve-sheet", curveSheet()), ("clouds", clouds()), ("kernels", kernels()), ("overlay", overlay), ("maps", maps)]
    }

    static func page() -> HTMLReport {
        let figures = figures().map { HTMLReport.Figure($1, caption: $0) }
        return HTMLReport(title: "Funnel chart gallery", subtitle: "Synthetic data; every figure kind of the report.",
                          metadata: [HTMLReport.Metadata("Command", "swift test --filter ChartGallery", isCode: true)],
                          keyFigures: [HTMLReport.KeyFigure("Figures", value: "\(figures.count)")],
                          sections: [
                            HTMLReport.Section("Plots", blocks: [.figureRow(Array(figures[0..<2]), caption: "Lines and bands."), .figureRow(Array(figures[2..<4]), caption: "Points, bars."),
                                                                .figure(figures[4]), .table(table())]),
                            HTMLReport.Section("Grids", blocks: figures[5...].map { .figure($0) } + [.note("Tiles are PNG images from libpng.")]),
                          ])
    }
}

@Suite struct ChartGalleryTests {
    @Test func galleryIsWellFormedAndWrittenOnRequest() throws {
        let html = ChartGallery.page().html()
        #expect(XMLCheck.parses(html))
        for bad in ["http:", "https:", "src=", "<script"] { #expect(!html.contains(bad)) }
        guard let directory = ProcessInfo.processInfo.environment["FUNNEL_CHART_DEMO_DIR"].map(URL.init(fileURLWithPath:)) else { return }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try ChartGallery.page().write(to: directory.appendingPathComponent("gallery.html"))
        for (name, chart) in ChartGallery.figures() { try chart.write(to: directory.appendingPathComponent(name + ".svg")) }
    }
}
