/// An image's width and height in pixels.
struct ImageSize: Equatable, Sendable, CustomStringConvertible {
    var width: Int
    var height: Int
    var description: String { "\(width)x\(height)" }
}

/// Thrown by a codec whose image is not the size its split expects; `ImageDecoder` names the files.
struct ImageSizeMismatch: Error {
    let found: ImageSize
}

/// Decodes JPEG and PNG files (told apart by their first bytes, not their names) to 8-bit RGB.
///
/// Not thread-safe: each decoding worker owns one (see `DecodeJobs`).
final class ImageDecoder {
    private let jpeg: JPEGDecoder
    /// The owning thread's buffer for files read from disk, reused from image to image.
    var readBuffer: [UInt8] = []

    init() {
        jpeg = JPEGDecoder()
    }

    private enum Format { case jpeg, png }

    private func format(of bytes: UnsafeRawBufferPointer, file: String) throws -> Format {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.isEmpty { throw DataError(.truncated, file: file, "the file is empty, expected a JPEG or PNG image") }
        let head = bytes.prefix(4).map { "0x" + String($0, radix: 16, uppercase: true) }.joined(separator: " ")
        throw DataError(.corrupt, file: file, "not a JPEG or PNG image: starts with \(head), expected 0xFF 0xD8 0xFF (JPEG) or 0x89 0x50 0x4E 0x47 (PNG)")
    }

    /// The width and height of the image in `bytes`.
    func size(of bytes: UnsafeRawBufferPointer, file: String) throws -> ImageSize {
        switch try format(of: bytes, file: file) {
        case .jpeg: return try jpeg.size(of: bytes, file: file)
        case .png: return try PNGDecoder.size(of: bytes, file: file)
        }
    }

    /// Decodes the image in `bytes` into `destination` (`size.height` rows of `size.width * 3` bytes).
    /// - Throws: `DataError` naming `file`: `.imageSize` (naming `reference` too) if the image is
    ///   not `size`, `.corrupt` or `.truncated` if it cannot be decoded.
    func decode(_ bytes: UnsafeRawBufferPointer, file: String, size: ImageSize, reference: String,
                into destination: UnsafeMutablePointer<UInt8>) throws {
        do {
            switch try format(of: bytes, file: file) {
            case .jpeg: try jpeg.decode(bytes, file: file, size: size, into: destination)
            case .png: try PNGDecoder.decode(bytes, file: file, size: size, into: destination)
            }
        } catch let mismatch as ImageSizeMismatch {
            throw DataError(.imageSize, file: file,
                            "image is \(mismatch.found) (width x height), expected \(size) like \(reference) and the rest of its split")
        }
    }
}
