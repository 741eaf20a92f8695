import Foundation

/// An 8-bit RGB image, row-major with interleaved channels (height x width x 3).
public struct RGBImage: Sendable, Hashable {
    public let width: Int
    public let height: Int
    /// `height * width * 3` bytes: row by row, each pixel R, G, B.
    public var pixels: [UInt8]

    /// - Precondition: `pixels.count == width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "[RGBImage] size \(width)x\(height) is empty")
        precondition(pixels.count == width * height * 3,
                     "[RGBImage] \(width)x\(height)x3 needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// From channel-major bytes (3 x height x width, the CIFAR binary layout).
    public init(width: Int, height: Int, channelMajor planes: [UInt8]) {
        precondition(planes.count == width * height * 3,
                     "[RGBImage] 3x\(height)x\(width) needs \(width * height * 3) bytes, got \(planes.count)")
        let plane = width * height
        var interleaved = [UInt8](repeating: 0, count: plane * 3)
        for i in 0..<plane {
            interleaved[3 * i] = planes[i]
            interleaved[3 * i + 1] = planes[plane + i]
            interleaved[3 * i + 2] = planes[2 * plane + i]
        }
        self.init(width: width, height: height, pixels: interleaved)
    }

    /// The pixel at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> Color {
        let i = 3 * (y * width + x)
        return Color(red: pixels[i], green: pixels[i + 1], blue: pixels[i + 2])
    }
}

/// A small image drawn crisp (one square per pixel), optionally with a translucent overlay on the
/// pixels of a mask (e.g. where FReLU takes its spatial condition) and a caption.
public struct ImageTile: Chart {
    public enum Encoding: Sendable, Hashable {
        /// An embedded PNG data URI (a few kB for 32x32), scaled without smoothing.
        case png
        /// One `<rect>` per run of equal pixels: no image decoder needed, but larger.
        case rects
    }

    public var image: RGBImage
    /// Screen pixels per image pixel.
    public var scale: Double
    /// `height * width` flags, row-major; true pixels get the overlay.
    public var mask: [Bool]?
    public var maskColor: Color
    public var maskOpacity: Double
    public var caption: String?
    public var encoding: Encoding
    public var style: ChartStyle

    public init(image: RGBImage, scale: Double = 4, mask: [Bool]? = nil, maskColor: Color = Color(hex: "#00d0ff"),
                maskOpacity: Double = 0.5, caption: String? = nil, encoding: Encoding = .png, style: ChartStyle = .standard) {
        if let mask {
            precondition(mask.count == image.width * image.height,
                         "[ImageTile] mask has \(mask.count) flags for a \(image.width)x\(image.height) image")
        }
        self.image = image
        self.scale = scale
        self.mask = mask
        self.maskColor = maskColor
        self.maskOpacity = maskOpacity
        self.caption = caption
        self.encoding = encoding
        self.style = style
    }

    public var accessibilityLabel: String { caption ?? "image" }

    static let pad = 4.0

    private var imageSize: ChartSize {
        ChartSize(width: Double(image.width) * scale, height: Double(image.height) * scale)
    }

    public var size: ChartSize {
        let pad = ImageTile.pad
        var width = imageSize.width + 2 * pad
        var height = imageSize.height + 2 * pad
        if let caption, !caption.isEmpty {
            width = max(width, TextMetrics.width(caption, fontSize: style.annotationSize) + 2 * pad)
            height += style.annotationSize + 4
        }
        return ChartSize(width: width.rounded(.up), height: height.rounded(.up))
    }

    public func draw(into svg: inout SVGWriter) {
        let size = self.size
        let pad = ImageTile.pad
        let x0 = ((size.width - imageSize.width) / 2).rounded()
        let y0 = pad
        switch encoding {
        case .png:
            let png = PNG.encode(width: image.width, height: image.height, rgb: image.pixels)
            svg.element("image", [
                "x": svgNumber(x0), "y": svgNumber(y0), "width": svgNumber(imageSize.width), "height": svgNumber(imageSize.height),
                "preserveAspectRatio": "none", "image-rendering": "optimizeSpeed", "style": "image-rendering:pixelated",
                "href": "data:image/png;base64," + Data(png).base64EncodedString(),
            ])
        case .rects:
            svg.group([("class", "pixels"), ("shape-rendering", "crispEdges")]) { svg in
                for y in 0..<image.height {
                    var x = 0
                    while x < image.width {
                        let color = image[x, y]
                        var run = 1
                        while x + run < image.width && image[x + run, y] == color { run += 1 }
                        svg.element("rect", [
                            "x": svgNumber(x0 + Double(x) * scale), "y": svgNumber(y0 + Double(y) * scale),
                            "width": svgNumber(Double(run) * scale), "height": svgNumber(scale), "fill": color.hex,
                        ])
                        x += run
                    }
                }
            }
        }
        if let mask {
            svg.group([("class", "mask"), ("fill", maskColor.hex), ("fill-opacity", svgNumber(maskOpacity)), ("shape-rendering", "crispEdges")]) { svg in
                for y in 0..<image.height {
                    var x = 0
                    while x < image.width {
                        guard mask[y * image.width + x] else {
                            x += 1
                            continue
                        }
                        var run = 1
                        while x + run < image.width && mask[y * image.width + x + run] { run += 1 }
                        svg.element("rect", [
                            "x": svgNumber(x0 + Double(x) * scale), "y": svgNumber(y0 + Double(y) * scale),
                            "width": svgNumber(Double(run) * scale), "height": svgNumber(scale),
                        ])
                        x += run
                    }
                }
            }
        }
        if let caption, !caption.isEmpty {
            svg.text(caption, x: size.width / 2, y: y0 + imageSize.height + style.annotationSize + 2, attributes: [
                ("class", "caption"), ("font-size", svgNumber(style.annotationSize)), ("fill", style.mutedTextColor.hex), ("text-anchor", "middle"),
            ])
        }
    }
}

/// A minimal PNG encoder: 8-bit RGB or RGBA, no filtering, zlib "stored" (uncompressed) blocks.
/// Small images only need a few kB, and the output is byte-for-byte deterministic.
enum PNG {
    /// PNG bytes for `rgb` (height x width x 3, row-major).
    static func encode(width: Int, height: Int, rgb: [UInt8]) -> [UInt8] {
        encode(width: width, height: height, channels: 3, samples: rgb)
    }

    /// PNG bytes for `samples` with 3 (RGB) or 4 (RGBA) channels per pixel.
    static func encode(width: Int, height: Int, channels: Int, samples: [UInt8]) -> [UInt8] {
        precondition(channels == 3 || channels == 4, "[PNG] \(channels) channels: only RGB and RGBA")
        precondition(samples.count == width * height * channels, "[PNG] expected \(width * height * channels) bytes, got \(samples.count)")
        var raw: [UInt8] = []
        raw.reserveCapacity(height * (width * channels + 1))
        let stride = width * channels
        for y in 0..<height {
            raw.append(0) // filter: none
            raw.append(contentsOf: samples[(y * stride)..<((y + 1) * stride)])
        }

        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        header += bigEndian(UInt32(width))
        header += bigEndian(UInt32(height))
        header += [8, channels == 3 ? 2 : 6, 0, 0, 0]
        chunk("IHDR", header, into: &out)
        chunk("IDAT", zlibStored(raw), into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    private static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        out += bigEndian(UInt32(data.count))
        let typeBytes = Array(type.utf8)
        out += typeBytes
        out += data
        out += bigEndian(crc32(typeBytes + data))
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let final: UInt8 = offset + length >= data.count ? 1 : 0
            out.append(final)
            out.append(UInt8(length & 0xFF))
            out.append(UInt8(length >> 8))
            out.append(UInt8(~length & 0xFF))
            out.append(UInt8((~length >> 8) & 0xFF))
            out += data[offset..<(offset + length)]
            offset += length
        } while offset < data.count
        out += bigEndian(adler32(data))
        return out
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    private static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return (b << 16) | a
    }
}
