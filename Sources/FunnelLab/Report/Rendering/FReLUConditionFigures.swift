import Foundation
import FunnelCharts

/// Where FReLU takes its condition, drawn: shares per layer, masks over the test images and maps
/// of the share of channels, with the numbers they show.
extension FReLUCondition {
    /// Share of positions taking the condition, per layer.
    public func shareChart() -> Plot {
        Plot(title: "Where FReLU takes the spatial condition, per layer",
             subtitle: "share of positions (images \u{00D7} channels \u{00D7} pixels) with T(x) > x, \(pictures.count) test images",
             x: .categories(shares.map { ReportNames.shortLayer($0.path) }, title: "FReLU layer"), y: Axis("positions", domain: 0...1, format: .percent),
             size: ChartSize(width: max(480, 34 * Double(shares.count) + 120), height: 300), legend: false,
             marks: [Bars([Bars.Series("T(x) > x", values: shares.map(\.share), color: Palette.okabeIto[0])])])
    }

    /// The bars' data: a row per layer.
    func shareData() -> FigureData {
        FigureData(columns: ["layer", "share"], rows: shares.map { [.text($0.path), .number($0.share)] })
    }

    /// Colour of the condition mask: orange, which no grey image contains.
    static let maskColor = Color(hex: "#ff6a00")

    /// Whether most channels take the condition at a pixel: the mask drawn.
    static func isTaken(_ share: Double) -> Bool { share > 0.5 }

    /// The test images (top row) and, under each, the image in grey with the pixels where most
    /// channels take the condition highlighted.
    public func overlays(columns: Int = 8) -> PanelGrid {
        let count = min(columns, pictures.count)
        var tiles: [ImageTile] = []
        for start in stride(from: 0, to: pictures.count, by: max(1, count)) {
            let range = start..<min(start + count, pictures.count)
            tiles += range.map { ImageTile(width: pictures[$0].width, height: pictures[$0].height, rgb: [UInt8](pictures[$0].pixels), caption: captions[$0]) }
            tiles += range.map { i in
                let mask = maps[i].map(Self.isTaken)
                return ImageTile(width: pictures[i].width, height: pictures[i].height, rgb: Self.gray([UInt8](pictures[i].pixels)), mask: mask,
                                 maskColor: Self.maskColor,
                                 caption: String(format: "%.0f%% of pixels", Double(mask.filter { $0 }.count) * 100 / Double(max(1, mask.count))))
            }
        }
        return PanelGrid(
            title: "Pixels where FReLU takes the condition at \(layer)",
            subtitle: "top: test images; below each: where more than half of the \(layerHeight)\u{00D7}\(layerWidth) layer's channels have T(x) > x",
            panels: tiles, columns: max(1, count),
            legend: [LegendEntry("T(x) > x in most channels", color: Self.maskColor, swatch: true)])
    }

    /// The overlays' data: a row per image and pixel, its colour, the share of channels taking
    /// the condition and whether it is masked.
    func pixelData() -> FigureData {
        FigureData(columns: ["image", "caption", "row", "column", "red", "green", "blue", "share", "taken"],
                   rows: pictures.indices.flatMap { i -> [[FigureData.Value]] in
                       let bytes = [UInt8](pictures[i].pixels)
                       return maps[i].indices.map { p -> [FigureData.Value] in
                           [.integer(i), .text(captions[i]), .integer(p / width), .integer(p % width),
                            .integer(Int(bytes[3 * p])), .integer(Int(bytes[3 * p + 1])), .integer(Int(bytes[3 * p + 2])),
                            .number(maps[i][p]), .integer(Self.isTaken(maps[i][p]) ? 1 : 0)]
                       }
                   })
    }

    /// RGB bytes in grey (luma), lightened so that the mask stands out on them.
    static func gray(_ rgb: [UInt8]) -> [UInt8] {
        stride(from: 0, to: rgb.count, by: 3).flatMap { i -> [UInt8] in
            let luma = 0.299 * Double(rgb[i]) + 0.587 * Double(rgb[i + 1]) + 0.114 * Double(rgb[i + 2])
            return Array(repeating: UInt8(min(255, 90 + luma * 0.55)), count: 3)
        }
    }

    /// The fraction of channels taking the condition at each pixel, one map per image, on one
    /// colour scale from 0 to 1.
    public func fractionTiles(columns: Int = 8) -> PanelGrid {
        PanelGrid(title: "Share of channels with T(x) > x at \(layer)",
                  subtitle: "per pixel, same images; 0 = every channel passes x on, 1 = every channel takes T(x)",
                  panels: maps.indices.map { ImageTile(width: width, height: height, rgb: ColorMap.viridis.pixels(maps[$0], in: 0...1), caption: captions[$0]) },
                  columns: columns, colorBar: ColorBar(map: .viridis, range: 0...1), gap: 6)
    }

    /// The maps' data: a row per image and pixel.
    func fractionData() -> FigureData {
        FigureData(columns: ["image", "caption", "row", "column", "share"], rows: maps.indices.flatMap { i in
            maps[i].indices.map { p -> [FigureData.Value] in [.integer(i), .text(captions[i]), .integer(p / width), .integer(p % width), .number(maps[i][p])] }
        })
    }
}
