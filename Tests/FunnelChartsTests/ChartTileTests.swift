import CCodecs
import Foundation
import Testing
import FunnelTestSupport
@testable import FunnelCharts

/// Tiles (images, matrices), colour maps and grids of panels.
@Suite struct ChartTileTests {
    /// Decodes PNG bytes to RGB with libpng, as a browser would.
    static func decode(_ png: [UInt8]) throws -> (width: Int, height: Int, rgb: [UInt8]) {
        let image = UnsafeMutablePointer<png_image>.allocate(capacity: 1)
        image.initialize(to: png_image())
        defer { png_image_free(image); image.deallocate() }
        image.pointee.version = UInt32(PNG_IMAGE_VERSION)
        try #require(png_image_begin_read_from_memory(image, png, png.count) != 0)
        image.pointee.format = UInt32(PNG_FORMAT_FLAG_COLOR)
        let (width, height) = (Int(image.pointee.width), Int(image.pointee.height))
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        try #require(png_image_finish_read(image, nil, &rgb, Int32(width * 3), nil) != 0)
        return (width, height, rgb)
    }

    static func gradient() -> [UInt8] {
        (0..<4).flatMap { y in (0..<5).flatMap { x in [UInt8(x * 60), UInt8(y * 80), 128] } }
    }

    @Test func pngFromLibpngDecodesToTheSamePixels() throws {
        let png = PNG.encode(width: 5, height: 4, rgb: Self.gradient())
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let decoded = try Self.decode(png)
        #expect(decoded.width == 5 && decoded.height == 4 && decoded.rgb == Self.gradient())
        #expect(png == PNG.encode(width: 5, height: 4, rgb: Self.gradient()))
    }

    @Test func imageTileEmbedsItsPixelsWithTheMaskBlendedIn() throws {
        let mask = (0..<20).map { $0 % 3 == 0 }
        let tile = ImageTile(width: 5, height: 4, rgb: Self.gradient(), mask: mask, maskColor: Color(hex: "#ff6a00"), caption: "cat")
        let tree = try #require(XMLTree.parse(tile.svg()))
        let image = try #require(tree.all("image").first)
        #expect(image.double("width") == 15 && image.double("height") == 12)
        let href = try #require(image["href"])
        #expect(href.hasPrefix("data:image/png;base64,"))
        let png = try #require(Data(base64Encoded: String(href.dropFirst("data:image/png;base64,".count))))
        let decoded = try Self.decode([UInt8](png))
        let source = Self.gradient()
        for i in 0..<20 {
            let original = Color(red: source[3 * i], green: source[3 * i + 1], blue: source[3 * i + 2])
            let expected = mask[i] ? original.mixed(with: Color(hex: "#ff6a00"), fraction: 0.75) : original
            #expect(Array(decoded.rgb[(3 * i)..<(3 * i + 3)]) == [expected.red, expected.green, expected.blue])
        }
        #expect(tree.all("text", class: "caption").map(\.text) == ["cat"])
    }

    @Test func colorMapsInterpolateAndSpanTheirData() {
        let gray = ColorMap(stops: [Color(hex: "#000000"), .white])
        #expect(gray.color(at: 0.5) == Color(red: 128, green: 128, blue: 128))
        #expect(gray.color(at: -1) == Color(hex: "#000000") && gray.color(at: 2) == .white)
        #expect(gray.pixels([0, 1], in: 0...1) == [0, 0, 0, 255, 255, 255])
        #expect(ColorMap.symmetricRange(for: [-0.1, 0.4, .nan]) == -0.4...0.4 && ColorMap.symmetricRange(for: []) == -1...1)
        #expect(Color(hex: "#0072B2").hex == "#0072b2")
        #expect(Palette.color(1) == Palette.okabeIto[1] && Palette.color(7) == Palette.okabeIto[0])
    }

    @Test func heatCellsPutTheMapEndsAtTheRangeEndsAndZeroInTheMiddle() throws {
        let cells = HeatCells([[-2, 0, 1], [0.5, 2, -1], [.nan, 0, 0]], range: -2...2, cellSize: 20, caption: "kernel")
        let tree = try #require(XMLTree.parse(cells.svg()))
        let rects = tree.all("rect", inside: "cells")
        #expect(rects.count == 9)
        let stops = ColorMap.blueRed.stops
        #expect(rects[0]["fill"] == stops.first?.hex && rects[4]["fill"] == stops.last?.hex && rects[1]["fill"] == stops[5].hex)
        #expect(rects[6]["fill"] == "#d9d9d9")
        // Cell (1, 2) sits at column 2, row 1, a white hairline inside its square.
        #expect([rects[5].double("x"), rects[5].double("y"), rects[5].double("width")] == [40.5, 20.5, 19])
        #expect(cells.size.height == 60 + 11 + 5)
    }

    @Test func gridSharesOneColorBarAndOneLegend() throws {
        let range = ColorMap.symmetricRange(for: (0..<10).flatMap { [Double($0) - 5, Double($0)] })
        #expect(range == -9...9)
        let tiles = (0..<10).map { k in HeatCells([[Double(k) - 5, 0], [0, Double(k)]], range: range, caption: "ch \(k)") }
        let grid = PanelGrid(title: "kernels", panels: tiles, columns: 4, legend: [LegendEntry("kernel", color: .white, swatch: true)],
                             colorBar: ColorBar(map: .blueRed, range: range), gap: 12)
        let tree = try #require(XMLTree.parse(grid.svg()))
        #expect(tree.all("rect", inside: "cells").count == 40)
        #expect(tree.all("g", class: "color-bar").count == 1 && tree.all("text", inside: "legend").map(\.text) == ["kernel"])
        #expect(tree.all("text", class: "caption").map(\.text) == (0..<10).map { "ch \($0)" })
        // Slices run from the top (high end) to the bottom (low end).
        let slices = tree.all("rect", inside: "color-bar")
        #expect(slices.first?["fill"] == ColorMap.blueRed.stops.last?.hex && slices.dropLast().last?["fill"] == ColorMap.blueRed.stops.first?.hex)
        // Panels on a grid of equal cells, row by row.
        let cell = grid.cell
        #expect(grid.origin(1).x - grid.origin(0).x == cell.width + 12 && grid.origin(4).y - grid.origin(0).y == cell.height + 12)
        #expect(grid.origin(4).x == grid.origin(0).x)
        let panels = tree.all("g", class: "panel").compactMap(\.attributes["transform"])
        #expect(panels.count == 10 && panels[1] == "translate(\(svgNumber(grid.origin(1).x)) \(svgNumber(grid.origin(1).y)))")
    }

    @Test func plotPanelsShareTheGridLegend() throws {
        let sheet = ChartGallery.curveSheet()
        let tree = try #require(XMLTree.parse(sheet.svg()))
        #expect(tree.all("g", class: "panel").count == 4)
        #expect(tree.all("path", class: "series").filter { $0["stroke-dasharray"] != nil }.count == 4)
        #expect(tree.all("text", inside: "legend").map(\.text) == ["curve f(x)", "slope f\u{2032}(x)"])
        #expect(sheet.size.width == 4 * 225 + 3 * 8 + 16)
    }
}
