import Foundation
import FunnelCharts

/// The learned funnel kernels as heatmaps, with the numbers they show.
extension FReLUKernels {
    /// One heatmap per layer: the mean effective kernel, on one colour scale centred at zero.
    public func meanKernelGrid() -> PanelGrid {
        Self.grid(title: "Mean funnel kernel per layer",
                  subtitle: "effective kernel w\u{00B7}\u{03B3}/\u{221A}(\u{03C3}\u{00B2}+\u{03B5}), averaged over channels; red positive, blue negative",
                  kernels: layers.map { ($0.mean, ReportNames.shortLayer($0.path)) }, columns: min(max(layers.count, 1), 10),
                  range: ColorMap.symmetricRange(for: layers.flatMap { $0.mean.joined() }))
    }

    /// Captioned kernels on one blue-red scale with its colour bar.
    static func grid(title: String, subtitle: String, kernels: [(values: [[Double]], caption: String)], columns: Int, range: ClosedRange<Double>) -> PanelGrid {
        PanelGrid(title: title, subtitle: subtitle, panels: kernels.map { HeatCells($0.values, map: .blueRed, range: range, cellSize: 18, caption: $0.caption) },
                  columns: columns, colorBar: ColorBar(map: .blueRed, range: range), gap: 12)
    }

    /// The mean kernels' data: a row per layer and kernel position.
    func meanKernelData() -> FigureData {
        FigureData(columns: ["layer", "row", "column", "weight"], rows: layers.flatMap { layer in
            Self.cells(layer.mean).map { [.text(layer.path), .integer($0.row), .integer($0.column), .number($0.value)] }
        })
    }

    /// One drawn kernel of ``channelGrid(channels:layerCount:)``.
    struct ChannelKernel {
        let layer: Layer
        let channel: Int
        /// The kernel over its largest absolute weight.
        let scaled: [[Double]]
    }

    /// The `channels` largest kernels of a few layers (first, middle, last), each scaled to its
    /// largest absolute weight so that shapes compare across layers.
    func largestChannels(channels: Int, layerCount: Int) -> (layers: Int, kernels: [ChannelKernel]) {
        let chosen = Self.spread(layers.indices.map { $0 }, count: layerCount).map { layers[$0] }
        let kernels = chosen.flatMap { layer in
            layer.channelsBySize.prefix(channels).map { c in
                let kernel = layer.kernels[c]
                let peak = kernel.joined().map(abs).max() ?? 0
                return ChannelKernel(layer: layer, channel: c, scaled: peak > 0 ? kernel.map { $0.map { $0 / peak } } : kernel)
            }
        }
        return (chosen.count, kernels)
    }

    /// The largest kernels of a few layers, a row of heatmaps per layer.
    public func channelGrid(channels: Int = 8, layerCount: Int = 3) -> PanelGrid {
        let (layerCount, kernels) = largestChannels(channels: channels, layerCount: layerCount)
        return Self.grid(title: "Largest funnel kernels of \(layerCount == 1 ? "one layer" : "\(layerCount) layers")",
                         subtitle: "one row per layer: its \(channels) largest channels, each scaled to its largest |weight|",
                         kernels: kernels.map { ($0.scaled, "\(ReportNames.shortLayer($0.layer.path)) c\($0.channel)") },
                         columns: max(1, min(channels, kernels.count)), range: -1...1)
    }

    /// The drawn kernels' data: a row per kernel position, the weight and its scaled value.
    func channelData(channels: Int = 8, layerCount: Int = 3) -> FigureData {
        FigureData(columns: ["layer", "channel", "row", "column", "weight", "scaled"],
                   rows: largestChannels(channels: channels, layerCount: layerCount).kernels.flatMap { k in
                       Self.cells(k.scaled).map { cell -> [FigureData.Value] in
                           [.text(k.layer.path), .integer(k.channel), .integer(cell.row), .integer(cell.column),
                            .number(k.layer.kernels[k.channel][cell.row][cell.column]), .number(cell.value)]
                       }
                   })
    }

    /// A kernel's cells, row by row.
    static func cells(_ kernel: [[Double]]) -> [(row: Int, column: Int, value: Double)] {
        kernel.enumerated().flatMap { i, row in row.enumerated().map { (i, $0, $1) } }
    }

    /// `count` elements spread evenly over `items`, first and last included.
    static func spread<T>(_ items: [T], count: Int) -> [T] {
        guard items.count > count, count > 1 else { return Array(items.prefix(max(count, 0))) }
        var indices: [Int] = []
        for k in 0..<count {
            let i = Int((Double(k) * Double(items.count - 1) / Double(count - 1)).rounded())
            if !indices.contains(i) { indices.append(i) }
        }
        return indices.map { items[$0] }
    }
}
