import Foundation
import FunnelData

/// An RGB picture as an analysis stores it: the renderer draws it, and JSON holds its bytes in
/// base64 (an array of numbers would be four times the size).
public struct ReportPicture: Codable, Sendable, Hashable {
    public let width: Int
    public let height: Int
    /// `height * width * 3` bytes: row by row, each pixel R, G, B.
    public let pixels: Data

    public init(width: Int, height: Int, pixels: Data) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    init(_ image: FunnelData.RGBImage) {
        self.init(width: image.width, height: image.height, pixels: Data(image.pixels))
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        width = try c.decode(Int.self, forKey: .width)
        height = try c.decode(Int.self, forKey: .height)
        pixels = try c.decode(Data.self, forKey: .pixels)
        // The renderer's image types trap on a wrong size: refuse it here, with the numbers.
        guard width > 0, height > 0, pixels.count == width * height * 3 else {
            throw DecodingError.dataCorruptedError(forKey: .pixels, in: c, debugDescription:
                "expected \(max(0, width) * max(0, height) * 3) bytes for a \(width)x\(height) RGB picture, found \(pixels.count)")
        }
    }
}
