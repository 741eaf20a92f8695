import Foundation

/// A sample report and chart sheet with synthetic data, for looking at the drawing layer in a
/// browser (`swift test --filter ChartDemo` writes them; see `ChartDemoTests`). Not part of the
/// public API: the numbers are made up.
enum ChartDemo {
    /// Deterministic pseudo-random numbers (SplitMix64).
    struct Random {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// Uniform in [0, 1).
        mutating func uniform() -> Double {
            Double(next() >> 11) / Double(1 << 53)
        }

        /// Standard normal (Box–Muller).
        mutating func normal() -> Double {
            let u = max(uniform(), 1e-12)
            let v = uniform()
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
    }

    /// Pointwise activations for the sheet: name and function.
    static let activations: [(String, @Sendable (Double) -> Double)] = [
        ("ReLU", { max($0, 0) }),
        ("LeakyReLU (a = 0.01)", { $0 > 0 ? $0 : 0.01 * $0 }),
        ("PReLU (p = 0.25)", { $0 > 0 ? $0 : 0.25 * $0 }),
        ("ELU", { $0 > 0 ? $0 : exp($0) - 1 }),
        ("Softplus", { log1p(exp(-abs($0))) + max($0, 0) }),
        ("Sigmoid", { 1 / (1 + exp(-$0)) }),
        ("Tanh", { tanh($0) }),
        ("Swish / SiLU", { $0 / (1 + exp(-$0)) }),
        ("GELU", { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }),
        ("GELU (tanh)", { 0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }),
        ("Mish", { $0 * tanh(log1p(exp(-abs($0))) + max($0, 0)) }),
        ("Hard-swish", { $0 * min(max($0 + 3, 0), 6) / 6 }),
    ]

    /// One panel per activation: the function solid, its derivative dashed, on shared axes.
    static func activationSheet() -> SmallMultiples {
        let xs = (0...320).map { -4 + 8 * Double($0) / 320 }
        let h = 1e-5
        let function = Palette.okabeIto[0]
        let derivative = Palette.okabeIto[1]
        let panels: [any Chart] = activations.map { name, f in
            let ys = xs.map(f)
            let ds = xs.map { (f($0 + h) - f($0 - h)) / (2 * h) }
            return LineChart(
                title: name,
                series: [
                    LineSeries("f(x)", x: xs, y: ys, color: function),
                    LineSeries("f\u{2032}(x)", x: xs, y: ds, color: derivative, dash: .dashed),
                ],
                xAxis: ChartAxis(domain: -4...4, tickCount: 4), yAxis: ChartAxis(domain: -1.5...4, tickCount: 4),
                size: ChartSize(width: 250, height: 190), legend: .none, references: ReferenceLine.zeroAxes, style: .compact
            )
        }
        return SmallMultiples(
            title: "Pointwise activations and their derivatives", subtitle: "x from \u{2212}4 to 4; y clipped to [\u{2212}1.5, 4]",
            panels: panels, columns: 4,
            legend: [
                LegendEntry("activation f(x)", color: function),
                LegendEntry("derivative f\u{2032}(x)", color: derivative, symbol: .line(.dashed, marker: nil, band: false)),
            ]
        )
    }

    static let names = ["ReLU", "Swish", "Mish", "FReLU", "DY-ReLU-B"]

    static func trainingCurves() -> LineChart {
        var rng = Random(state: 7)
        let colors = Palette.assign(names)
        let epochs = (1...30).map(Double.init)
        let finals = [0.8675, 0.872, 0.874, 0.889, 0.881]
        let series = zip(names, finals).map { name, final in
            let mean = epochs.map { e in final - (final - 0.35) * exp(-e / 6.5) + 0.004 * rng.normal() }
            let std = epochs.map { e in 0.004 + 0.03 * exp(-e / 5) }
            return LineSeries.meanAndSpread(name, x: epochs, mean: mean, std: std, color: colors[name])
        }
        return LineChart(
            title: "Test accuracy during training", subtitle: "ResNet-20 on CIFAR-10, mean \u{00B1} std over 5 seeds",
            series: series, xAxis: ChartAxis("epoch"), yAxis: ChartAxis("top-1 accuracy", format: .percent(nil)),
            size: ChartSize(width: 720, height: 420)
        )
    }

    static func lossCurves() -> LineChart {
        let colors = Palette.assign(names)
        let steps = (1...60).map { Double($0) * 500 }
        let series = names.enumerated().map { index, name in
            LineSeries(name, x: steps, y: steps.map { 2.3 * pow($0 / 500, -0.55 - 0.03 * Double(index)) }, color: colors[name])
        }
        return LineChart(
            title: "Training loss", series: series,
            xAxis: ChartAxis("step", format: .si(nil)), yAxis: .log("cross-entropy"),
            size: ChartSize(width: 480, height: 340), legend: .lineEnds
        )
    }

    static func speedAccuracy() -> ScatterChart {
        let colors = Palette.assign(names)
        let speed = [276.0, 202, 161, 129, 98]
        let accuracy = [0.8675, 0.872, 0.874, 0.889, 0.881]
        let series = names.indices.map { i in
            ScatterSeries(names[i], points: [ScatterPoint(x: speed[i], y: accuracy[i], label: names[i], xError: speed[i] * 0.04, yError: 0.0031)],
                          color: colors[names[i]], showInLegend: false)
        }
        return ScatterChart(
            title: "Accuracy against training speed", subtitle: "higher and further right is better",
            series: series, xAxis: ChartAxis("images per second (training step)", padding: 0.08),
            yAxis: ChartAxis("top-1 accuracy", format: .percent(nil), padding: 0.1),
            size: ChartSize(width: 560, height: 380),
            references: [.horizontal(0.8675, label: "PyTorch ReLU anchor")]
        )
    }

    static func conditionScatter() -> ScatterChart {
        var rng = Random(state: 11)
        var xs: [Double] = []
        var ys: [Double] = []
        for _ in 0..<6000 {
            let x = 1.3 * rng.normal()
            let t = 0.45 * x + 0.5 * rng.normal()
            xs.append(x)
            ys.append(max(x, t))
        }
        return ScatterChart(
            title: "FReLU input against output", subtitle: "layer1.0.act1, 6,000 sampled positions",
            series: [.dense("FReLU", x: xs, y: ys, color: Palette.okabeIto[0])],
            xAxis: ChartAxis("input x"), yAxis: ChartAxis("output max(x, T(x))"),
            size: ChartSize(width: 420, height: 380), references: [.identity(label: "y = x")]
        )
    }

    static func modelBars() -> BarChart {
        let colors = Palette.assign(names)
        let models = ["ResNet-18", "ResNet-34", "ResNet-50"]
        var rng = Random(state: 5)
        let series = names.enumerated().map { index, name in
            BarSeries(name, values: models.indices.map { m in 0.93 + 0.004 * Double(m) + 0.003 * Double(index) + 0.002 * rng.normal() },
                      errors: models.map { _ in 0.002 + 0.002 * rng.uniform() }, color: colors[name])
        }
        return BarChart(
            title: "Final accuracy by model", subtitle: "CIFAR-10, 200 epochs, mean \u{00B1} std over 5 runs",
            categories: models, series: series, yAxis: ChartAxis("top-1 accuracy", domain: 0.9...0.96, format: .percent(nil)),
            size: ChartSize(width: 720, height: 380), legend: .right
        )
    }

    static func kernelGrid() -> HeatmapGrid {
        var rng = Random(state: 3)
        var items: [HeatmapGrid.Item] = []
        for c in 0..<16 {
            var kernel: [[Double]] = []
            for i in 0..<3 {
                var row: [Double] = []
                for j in 0..<3 {
                    let centre: Double = (i == 1 && j == 1) ? 0.3 : 0
                    let slope: Double = c % 4 == 0 ? 0.2 * Double(j - 1) : 0
                    row.append(0.25 * rng.normal() + centre - slope)
                }
                kernel.append(row)
            }
            items.append(HeatmapGrid.Item(values: kernel, caption: "ch \(c)"))
        }
        return HeatmapGrid(title: "Funnel condition kernels", subtitle: "layer1.0.act1.conv_frelu.weight, first 16 channels",
                           items: items, columns: 8, cellSize: 16)
    }

    static func kernelDetail() -> Heatmap {
        Heatmap(title: "Channel 0 kernel", values: [[-0.21, 0.05, 0.33], [-0.4, 0.52, 0.18], [-0.12, 0.02, 0.27]],
                cellSize: 46, valueLabels: .fixed(2), rowLabels: ["-1", "0", "+1"], columnLabels: ["-1", "0", "+1"],
                caption: "rows and columns: offset from the centre")
    }

    static func sampleImages() -> SmallMultiples {
        var rng = Random(state: 9)
        let classes = ["airplane", "automobile", "bird", "cat", "deer", "dog"]
        let tiles: [any Chart] = classes.enumerated().map { index, name in
            var pixels = [UInt8](repeating: 0, count: 32 * 32 * 3)
            var mask = [Bool](repeating: false, count: 32 * 32)
            let cx = 10 + 12 * rng.uniform()
            let cy = 10 + 12 * rng.uniform()
            for y in 0..<32 {
                for x in 0..<32 {
                    let d = ((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)).squareRoot()
                    let sky = Double(y) / 32
                    let inside = d < 8
                    let r = inside ? 150 + 60 * sin(Double(index + x) / 4) : 90 + 100 * sky
                    let g = inside ? 90 + 40 * Double(index) : 140 + 60 * sky
                    let b = inside ? 60 : 200 - 80 * sky
                    let i = 3 * (y * 32 + x)
                    pixels[i] = UInt8(max(0, min(255, r + 12 * rng.normal())))
                    pixels[i + 1] = UInt8(max(0, min(255, g + 12 * rng.normal())))
                    pixels[i + 2] = UInt8(max(0, min(255, b + 12 * rng.normal())))
                    mask[y * 32 + x] = abs(d - 8) < 1.5
                }
            }
            return ImageTile(image: RGBImage(width: 32, height: 32, pixels: pixels), scale: 3, mask: mask, caption: name)
        }
        return SmallMultiples(title: "Where FReLU takes the spatial condition",
                              subtitle: "highlighted: T(x) > x in the first block, summed over channels",
                              panels: tiles, columns: 6,
                              legend: [LegendEntry("condition active", color: Color(hex: "#00d0ff"), symbol: .swatch)])
    }

    static func resultsTable() -> HTMLTable {
        let rows: [(String, [Double], [Double], String?)] = [
            ("ReLU", [86.75, 57.1, 0.409], [0.21, 0.35, 0.006], nil),
            ("Swish", [87.20, 58.0, 0.401], [0.18, 0.30, 0.007], "n.s."),
            ("Mish", [87.40, 58.4, 0.398], [0.25, 0.41, 0.005], "n.s."),
            ("FReLU", [88.90, 60.2, 0.371], [0.15, 0.28, 0.004], "\u{2020}"),
            ("DY-ReLU-B", [88.10, 59.1, 0.385], [0.22, 0.33, 0.006], "\u{2020}"),
        ]
        return HTMLTable(
            caption: "Test accuracy (%) and loss, ResNet-20, 30 epochs, mean \u{00B1} std over 5 seeds.",
            rowHeaderTitle: "Activation",
            columns: [
                HTMLTable.Column("CIFAR-10 top-1", best: .highest),
                HTMLTable.Column("CIFAR-100 top-1", best: .highest, format: .fixed(1)),
                HTMLTable.Column("CIFAR-10 loss", best: .lowest, format: .fixed(3)),
            ],
            rows: rows.map { name, values, stds, mark in
                HTMLTable.Row(name, [
                    HTMLTable.Cell(values[0], spread: stds[0], mark: mark),
                    HTMLTable.Cell(values[1], spread: stds[1]),
                    HTMLTable.Cell(values[2], spread: stds[2]),
                ])
            },
            footnote: "\u{2020} differs from ReLU, Welch t-test p < 0.05; n.s. not significant. Best per column in **bold**."
        )
    }

    /// Ten series (palette wraps, so repeats are dashed), a legend on top, negative values.
    static func manySeries() -> LineChart {
        let x = (0...40).map { Double($0) / 4 }
        let series = (0..<10).map { k in
            LineSeries("activation \(k + 1)", x: x, y: x.map { sin($0 / 2 + Double(k) * 0.3) * (1 + 0.1 * Double(k)) })
        }
        return LineChart(title: "Ten series: the palette wraps and repeats are dashed", series: series,
                         xAxis: ChartAxis("x"), yAxis: ChartAxis("y"), size: ChartSize(width: 640, height: 380), legend: .top)
    }

    /// Long category names are turned; the legend goes below.
    static func rotatedBars() -> BarChart {
        let categories = ["ResNet-20 (NCHW)", "ResNet-20 (channels-last)", "ResNet-18 (NCHW)", "MobileNet 0.75", "ShuffleNetV2 0.5x"]
        return BarChart(
            title: "Images per second, one training step", categories: categories,
            series: [
                BarSeries("ReLU", values: [276, 262, 28.6, 120, 300], errors: [8, 7, 1, 4, 9]),
                BarSeries("FReLU", values: [129, 181, 19.6, 80, 210], errors: [5, 6, 0.8, 3, 7]),
            ],
            yAxis: ChartAxis("images / s", includeZero: true), size: ChartSize(width: 420, height: 360), legend: .bottom,
            valueLabels: .auto
        )
    }

    /// A narrow chart whose corners are all taken: the legend moves out, above the plot.
    static func narrowCrowded() -> LineChart {
        var rng = Random(state: 13)
        let x = (0...120).map(Double.init)
        return LineChart(title: "Noisy, narrow", series: [
            LineSeries("seed 0", x: x, y: x.map { _ in rng.uniform() }),
            LineSeries("seed 1", x: x, y: x.map { _ in rng.uniform() }),
        ], size: ChartSize(width: 320, height: 260))
    }

    static func report() -> HTMLReport {
        HTMLReport(
            title: "Funnel activation study: demo report",
            subtitle: "Synthetic numbers that exercise every building block of the report.",
            metadata: [
                HTMLReport.Metadata("Date", "2025-01-01"),
                HTMLReport.Metadata("Command", "funnel report --runs runs/ --out report.html", isCode: true),
            ],
            keyFigures: [
                HTMLReport.KeyFigure("Best top-1 (CIFAR-10)", value: "88.9%", detail: "FReLU, ResNet-20"),
                HTMLReport.KeyFigure("FReLU step cost", value: "2.14\u{00D7}", detail: "a ReLU step, PyTorch CPU"),
                HTMLReport.KeyFigure("Runs", value: "25", detail: "5 activations \u{00D7} 5 seeds"),
            ],
            sections: [
                HTMLReport.Section("Accuracy", blocks: [
                    .paragraph("FReLU reaches the highest accuracy; the shaded bands show **one standard deviation** over seeds. Escaping check: a < b & \"quotes\"."),
                    .figure(HTMLReport.Figure(trainingCurves(), caption: "Test accuracy per epoch. Bands: mean \u{00B1} one standard deviation.")),
                    .table(resultsTable()),
                    .figure(HTMLReport.Figure(modelBars(), caption: "Grouped bars with error bars; the axis starts at 90 %.")),
                ]),
                HTMLReport.Section("Speed", blocks: [
                    .paragraph("Each point is one activation; error bars are one standard deviation in both directions."),
                    .figure(HTMLReport.Figure(speedAccuracy(), caption: "Accuracy against images per second.")),
                    .figureRow([HTMLReport.Figure(lossCurves()), HTMLReport.Figure(conditionScatter())],
                               caption: "Left: loss on a log axis, labelled at line ends. Right: a dense scatter of 6,000 points."),
                    .note("Depthwise convolution is cheap in oneDNN; the overhead is in the extra passes."),
                ]),
                HTMLReport.Section("Inside FReLU", blocks: [
                    .figure(HTMLReport.Figure(kernelGrid(), caption: "Learned 3x3 kernels on a diverging map centred at 0.")),
                    .figure(HTMLReport.Figure(kernelDetail(), caption: "One kernel with its values.")),
                    .figure(HTMLReport.Figure(sampleImages(), caption: "Test images with the condition mask.")),
                ]),
                HTMLReport.Section("Edge cases", blocks: [
                    .figure(HTMLReport.Figure(manySeries(), caption: "More series than palette colours.")),
                    .figureRow([HTMLReport.Figure(rotatedBars()), HTMLReport.Figure(narrowCrowded())],
                               caption: "Turned category labels with values; a legend pushed out of a crowded plot."),
                ]),
                HTMLReport.Section("Activations", blocks: [
                    .figure(HTMLReport.Figure(activationSheet(), caption: "The sheet that `funnel plot acts` draws.")),
                    .list(["Solid: the function.", "Dashed: its derivative."]),
                    .code("funnel plot acts --out acts.svg"),
                ]),
            ],
            footer: "Generated by Funnel from synthetic demo data."
        )
    }

    /// Writes `report.html`, `acts.svg` and one `.svg` per figure into `directory`.
    @discardableResult
    static func write(to directory: URL) throws -> [URL] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var written: [URL] = []
        let page = directory.appendingPathComponent("report.html")
        try report().write(to: page)
        written.append(page)
        let charts: [(String, any Chart)] = [
            ("acts.svg", activationSheet()), ("training.svg", trainingCurves()), ("loss.svg", lossCurves()),
            ("speed.svg", speedAccuracy()), ("condition.svg", conditionScatter()), ("bars.svg", modelBars()),
            ("kernels.svg", kernelGrid()), ("kernel.svg", kernelDetail()), ("images.svg", sampleImages()),
        ]
        for (name, chart) in charts {
            let url = directory.appendingPathComponent(name)
            try chart.write(to: url)
            written.append(url)
        }
        return written
    }
}
