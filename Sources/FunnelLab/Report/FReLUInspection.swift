import Foundation
import FunnelCharts
import FunnelData
import FunnelNN
import FunnelTrain

/// The learned funnel kernels of a FReLU model: every `...conv_frelu.weight` `[C, 1, k, k]` of a
/// checkpoint, with the following batch norm folded in where the checkpoint has it.
///
/// FReLU's condition is `T(x) = BN(DWConv(x))`; in inference BN is `γ (t - μ) / √(σ² + ε) + β`,
/// so the kernel that shapes T per channel is `w · γ / √(σ² + ε)` (the rest is a shift). That
/// effective kernel is what is drawn: the raw weights' scale means nothing after batch norm.
public struct FReLUKernels: Sendable {
    /// One FReLU layer's kernels.
    public struct Layer: Sendable {
        /// The activation's path, e.g. `layer1.0.act1` (`act1` is the stem).
        public let path: String
        /// `[channel][row][column]`.
        public let kernels: [[[Double]]]
        /// Whether the batch norm was folded in.
        public let foldedNorm: Bool

        /// The mean kernel over channels.
        public var mean: [[Double]] {
            let k = kernels.first ?? []
            return k.indices.map { i in
                k[i].indices.map { j in kernels.reduce(0) { $0 + $1[i][j] } / Double(max(1, kernels.count)) }
            }
        }

        /// Channels ordered by the size (L2 norm) of their kernel, largest first.
        public var channelsBySize: [Int] {
            let norms = kernels.map { $0.joined().reduce(0) { $0 + $1 * $1 } }
            return norms.indices.sorted { norms[$0] == norms[$1] ? $0 < $1 : norms[$0] > norms[$1] }
        }
    }

    /// The layers in the model's order (stem, then by stage, block and slot).
    public let layers: [Layer]

    /// Reads every funnel kernel of `file`.
    /// - Parameter eps: the batch norm's epsilon (Funnel's and PyTorch's default).
    public init(file: SafetensorsFile, eps: Double = 1e-5) throws {
        let suffix = ".conv_frelu.weight"
        var layers: [Layer] = []
        // Training checkpoints also hold the optimizer's state under `optimizer.`: not kernels.
        for name in file.entries.keys where name.hasSuffix(suffix) && !name.hasPrefix("optimizer.") {
            let path = String(name.dropLast(suffix.count))
            let weight = try file.tensor(name)
            guard weight.rank == 4, weight.shape[1] == 1 else {
                throw ReportError.badCheckpoint("\(name) has shape \(weight.shape), not a depthwise [C, 1, k, k] kernel")
            }
            let (c, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
            var scale = [Double](repeating: 1, count: c)
            var folded = false
            if let gamma = try? file.tensor(path + ".bn_frelu.weight"), let variance = try? file.tensor(path + ".bn_frelu.running_var"),
               gamma.count == c, variance.count == c {
                let g = gamma.scalars, v = variance.scalars
                scale = (0..<c).map { Double(g[$0]) / (Double(v[$0]) + eps).squareRoot() }
                folded = true
            }
            let w = weight.scalars
            let kernels = (0..<c).map { ch in
                (0..<kh).map { i in (0..<kw).map { j in Double(w[(ch * kh + i) * kw + j]) * scale[ch] } }
            }
            layers.append(Layer(path: path, kernels: kernels, foldedNorm: folded))
        }
        self.layers = layers.sorted { Self.order($0.path).lexicographicallyPrecedes(Self.order($1.path)) }
    }

    /// Sort key of an activation path: the stem first, then stage, block and slot numerically.
    static func order(_ path: String) -> [Int] {
        let parts = path.split(separator: ".")
        let numbers = parts.map { part in Int(part.drop { !$0.isNumber }) ?? Int.max }
        return parts.first?.hasPrefix("layer") == true ? numbers : [0] + numbers
    }

    /// One heatmap per layer: the mean effective kernel, on one colour scale centred at zero.
    public func meanKernelGrid() -> HeatmapGrid {
        HeatmapGrid(
            title: "Mean funnel kernel per layer",
            subtitle: "effective kernel w\u{00B7}\u{03B3}/\u{221A}(\u{03C3}\u{00B2}+\u{03B5}), averaged over channels; red positive, blue negative",
            items: layers.map { HeatmapGrid.Item(values: $0.mean, caption: ReportNames.shortLayer($0.path)) },
            columns: min(max(layers.count, 1), 10), colorMap: .blueRed, cellSize: 18)
    }

    /// The `channels` largest kernels of a few layers (first, middle, last), each scaled to its
    /// largest absolute weight so that shapes compare across layers.
    public func channelGrid(channels: Int = 8, layerCount: Int = 3) -> HeatmapGrid {
        let chosen = Self.spread(layers.indices.map { $0 }, count: layerCount).map { layers[$0] }
        var items: [HeatmapGrid.Item] = []
        for layer in chosen {
            for c in layer.channelsBySize.prefix(channels) {
                let kernel = layer.kernels[c]
                let peak = kernel.joined().map(abs).max() ?? 0
                let values = peak > 0 ? kernel.map { $0.map { $0 / peak } } : kernel
                items.append(HeatmapGrid.Item(values: values, caption: "\(ReportNames.shortLayer(layer.path)) c\(c)"))
            }
        }
        return HeatmapGrid(
            title: "Largest funnel kernels of \(chosen.count == 1 ? "one layer" : "\(chosen.count) layers")",
            subtitle: "one row per layer: its \(channels) largest channels, each scaled to its largest |weight|",
            items: items, columns: max(1, min(channels, items.count)), colorMap: .blueRed, range: -1...1, cellSize: 18)
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

/// Where FReLU takes its spatial condition: at each position, whether `T(x) > x`, so that the
/// output is the funnel condition rather than the input itself.
public struct FReLUCondition {
    /// Share of all positions (images x channels x pixels) of one layer where T(x) > x.
    public struct LayerShare: Sendable, Hashable {
        public let path: String
        public let share: Double
    }

    /// Every FReLU layer (with the max combination) in model order.
    public let shares: [LayerShare]
    /// The layer of the maps.
    public let layer: String
    /// Per image: the fraction of channels where T(x) > x, at each image pixel (row-major,
    /// upsampled from the layer's resolution by repetition).
    public let maps: [[Double]]
    /// Height and width of the maps (the images').
    public let height: Int, width: Int
    /// The layer's own resolution.
    public let layerHeight: Int, layerWidth: Int
    public let pictures: [FunnelData.RGBImage]
    public let captions: [String]

    /// Runs the sample's images through the model.
    /// - Parameter layer: the FReLU layer of the maps (default: the first block's first, else the first FReLU).
    /// - Throws: when the model has no FReLU with the max combination, or `layer` is not one of them.
    public init(sample: InspectionSample, layer: String? = nil) throws {
        var shares: [LayerShare] = []
        var fractions: [String: (maps: [[Double]], h: Int, w: Int)] = [:]
        let n = sample.images.shape[0]
        _ = try withoutGrad {
            try ActivationTrace.forward(sample.model, sample.images) { path, module, x in
                guard let frelu = module as? FReLU, frelu.combination == .max else { return }
                let t = frelu.spatialCondition(x).scalars
                let v = x.scalars
                let (c, h, w) = (x.shape[1], x.shape[2], x.shape[3])
                var taken = 0
                var maps = [[Double]](repeating: [Double](repeating: 0, count: h * w), count: n)
                for i in 0..<n {
                    for ch in 0..<c {
                        let base = (i * c + ch) * h * w
                        for p in 0..<(h * w) where t[base + p] > v[base + p] {
                            taken += 1
                            maps[i][p] += 1
                        }
                    }
                    maps[i] = maps[i].map { $0 / Double(c) }
                }
                shares.append(LayerShare(path: path, share: Double(taken) / Double(max(1, v.count))))
                fractions[path] = (maps, h, w)
            }
        }
        guard let first = shares.first else {
            throw ReportError.unsupportedModel("the model has no FReLU layer of the form max(x, T(x))")
        }
        let chosen = layer ?? (fractions["layer1.0.act1"] != nil ? "layer1.0.act1" : first.path)
        guard let found = fractions[chosen] else {
            throw ReportError.unsupportedModel("no FReLU layer '\(chosen)'; FReLU layers: \(shares.map(\.path).joined(separator: ", "))")
        }
        let height = sample.pictures.first?.height ?? found.h
        let width = sample.pictures.first?.width ?? found.w
        maps = found.maps.map { Self.upsample($0, from: (found.h, found.w), to: (height, width)) }
        self.shares = shares
        self.layer = chosen
        self.height = height
        self.width = width
        layerHeight = found.h
        layerWidth = found.w
        pictures = sample.pictures
        captions = sample.captions
    }

    /// Nearest-neighbour resampling of a row-major map.
    static func upsample(_ map: [Double], from source: (Int, Int), to target: (Int, Int)) -> [Double] {
        (0..<(target.0 * target.1)).map { p in
            let (y, x) = (p / target.1, p % target.1)
            return map[min(source.0 - 1, y * source.0 / target.0) * source.1 + min(source.1 - 1, x * source.1 / target.1)]
        }
    }

    /// Share of positions taking the condition, per layer.
    public func shareChart() -> BarChart {
        BarChart(
            title: "Where FReLU takes the spatial condition, per layer",
            subtitle: "share of positions (images \u{00D7} channels \u{00D7} pixels) with T(x) > x, \(pictures.count) test images",
            categories: shares.map { ReportNames.shortLayer($0.path) },
            series: [BarSeries("T(x) > x", values: shares.map(\.share), color: Palette.okabeIto[0])],
            xTitle: "FReLU layer", yAxis: ChartAxis("positions", domain: 0...1, format: .percent(nil)),
            size: ChartSize(width: max(480, 34 * Double(shares.count) + 120), height: 300))
    }

    /// Colour of the condition mask: orange, which no grey image contains.
    static let maskColor = Color(hex: "#ff6a00")

    /// The test images (top row) and, under each, the image in grey with the pixels where most
    /// channels take the condition highlighted.
    public func overlays(columns: Int = 8) -> SmallMultiples {
        let count = min(columns, pictures.count)
        var tiles: [any Chart] = []
        for start in stride(from: 0, to: pictures.count, by: max(1, count)) {
            let range = start..<min(start + count, pictures.count)
            tiles += range.map { ImageTile(image: Self.tileImage(pictures[$0]), scale: 3, caption: captions[$0]) }
            tiles += range.map { i in
                ImageTile(image: Self.tileImage(Self.gray(pictures[i])), scale: 3, mask: maps[i].map { $0 > 0.5 }, maskColor: Self.maskColor,
                          maskOpacity: 0.75, caption: String(format: "%.0f%% of pixels", Double(maps[i].filter { $0 > 0.5 }.count) * 100 / Double(max(1, maps[i].count))))
            }
        }
        return SmallMultiples(
            title: "Pixels where FReLU takes the condition at \(layer)",
            subtitle: "top: test images; below each: where more than half of the \(layerHeight)\u{00D7}\(layerWidth) layer's channels have T(x) > x",
            panels: tiles, columns: max(1, count),
            legend: [LegendEntry("T(x) > x in most channels", color: Self.maskColor, symbol: .swatch)])
    }

    static func tileImage(_ image: FunnelData.RGBImage) -> FunnelCharts.RGBImage {
        FunnelCharts.RGBImage(width: image.width, height: image.height, pixels: image.pixels)
    }

    /// The picture in grey (luma), lightened so that the mask stands out on it.
    static func gray(_ image: FunnelData.RGBImage) -> FunnelData.RGBImage {
        var pixels = image.pixels
        for i in stride(from: 0, to: pixels.count, by: 3) {
            let luma = 0.299 * Double(pixels[i]) + 0.587 * Double(pixels[i + 1]) + 0.114 * Double(pixels[i + 2])
            let v = UInt8(min(255, 90 + luma * 0.55))
            pixels[i] = v
            pixels[i + 1] = v
            pixels[i + 2] = v
        }
        return FunnelData.RGBImage(width: image.width, height: image.height, pixels: pixels)
    }

    /// The fraction of channels taking the condition at each pixel, one map per image, on one
    /// colour scale from 0 to 1.
    public func fractionTiles(columns: Int = 8) -> MapTiles {
        MapTiles(title: "Share of channels with T(x) > x at \(layer)",
                 subtitle: "per pixel, same images; 0 = every channel passes x on, 1 = every channel takes T(x)",
                 maps: maps, height: height, width: width, captions: captions, columns: columns, range: 0...1)
    }
}
