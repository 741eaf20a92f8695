import Foundation
import FunnelKernels

/// One decoded image of any size: 8-bit RGB, `height` rows of `width * 3` bytes.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let pixels: [UInt8]

    /// - Precondition: `pixels` holds `width * height * 3` bytes.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        require(width > 0 && height > 0 && pixels.count == width * height * 3,
                "[RGBImage] \(pixels.count) bytes for \(width)x\(height) RGB")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Decodes the JPEG or PNG file at `url` (told apart by its first bytes).
    /// - Throws: `DataError` naming the file: `.io` if it cannot be read, `.corrupt` or
    ///   `.truncated` if it is not an image that decodes.
    public init(contentsOf url: URL) throws {
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            throw DataError(.io, file: url.path, "cannot read the image: \(error.localizedDescription)")
        }
        let decoder = ImageDecoder()
        let decoded = try bytes.withUnsafeBytes { raw -> (ImageSize, [UInt8]) in
            let size = try decoder.size(of: raw, file: url.path)
            guard size.width > 0, size.height > 0, size.width <= 1 << 15, size.height <= 1 << 15 else {
                throw DataError(.corrupt, file: url.path, "image is \(size) pixels, expected 1 to 32768 on each side")
            }
            let pixels = try [UInt8](unsafeUninitializedCapacity: size.width * size.height * 3) { buffer, initialized in
                try decoder.decode(raw, file: url.path, size: size, reference: url.path, into: buffer.baseAddress!)
                initialized = buffer.count
            }
            return (size, pixels)
        }
        self.init(width: decoded.0.width, height: decoded.0.height, pixels: decoded.1)
    }

    /// The image scaled, keeping its aspect ratio, until it just covers `width` x `height`, then
    /// cut to that size around its centre: torchvision's `Resize` and `CenterCrop` together (the
    /// other side's length truncated, as `Resize` does).
    public func fitted(width: Int, height: Int) -> RGBImage {
        let byWidth = Double(width) / Double(self.width) >= Double(height) / Double(self.height)
        let scaledWidth = byWidth ? width : max(width, self.width * height / self.height)
        let scaledHeight = byWidth ? max(height, self.height * width / self.width) : height
        return resized(width: scaledWidth, height: scaledHeight).cropped(width: width, height: height)
    }

    /// The central `width` x `height` pixels (offsets rounded half to even, as torchvision's `CenterCrop`).
    /// - Precondition: the image is at least that large.
    public func cropped(width: Int, height: Int) -> RGBImage {
        require(width <= self.width && height <= self.height, "[RGBImage] crop \(width)x\(height) of \(self.width)x\(self.height)")
        let left = Int((Double(self.width - width) / 2).rounded(.toNearestOrEven))
        let top = Int((Double(self.height - height) / 2).rounded(.toNearestOrEven))
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let from = ((top + y) * self.width + left) * 3
            out.replaceSubrange(y * width * 3 ..< (y + 1) * width * 3, with: pixels[from ..< from + width * 3])
        }
        return RGBImage(width: width, height: height, pixels: out)
    }
}
