import CCodecs

/// Decodes PNG files to 8-bit RGB with libpng's simplified API.
///
/// That API catches libpng's errors itself (libpng otherwise `longjmp`s, which Swift cannot set up)
/// and converts any PNG (greyscale, palette, 16-bit, with alpha) to the requested format; alpha is
/// composited onto black.
enum PNGDecoder {
    /// The width and height in the PNG's header.
    static func size(of bytes: UnsafeRawBufferPointer, file: String) throws -> ImageSize {
        try withImage(bytes, file: file) { ImageSize(width: Int($0.pointee.width), height: Int($0.pointee.height)) }
    }

    /// Decodes `bytes` into `destination` as RGB rows of `size.width * 3` bytes.
    /// - Throws: `ImageSizeMismatch` if the PNG is not `size`; `DataError` `.corrupt` naming `file`
    ///   if libpng cannot read it.
    static func decode(_ bytes: UnsafeRawBufferPointer, file: String, size: ImageSize, into destination: UnsafeMutablePointer<UInt8>) throws {
        try withImage(bytes, file: file) { image in
            let found = ImageSize(width: Int(image.pointee.width), height: Int(image.pointee.height))
            guard found == size else { throw ImageSizeMismatch(found: found) }
            image.pointee.format = UInt32(PNG_FORMAT_FLAG_COLOR) // PNG_FORMAT_RGB: 8-bit sRGB, no alpha
            var black = png_color(red: 0, green: 0, blue: 0)
            guard png_image_finish_read(image, &black, destination, Int32(size.width * 3), nil) != 0 else {
                throw DataError(.corrupt, file: file, "undecodable PNG: \(message(image))")
            }
        }
    }

    /// Runs `body` on the header-read image of `bytes`, then frees libpng's state.
    ///
    /// The `png_image` lives on the heap: libpng keeps its address for error reporting, so a copy
    /// of the struct (a Swift value) would leave libpng writing to a dead one and aborting.
    private static func withImage<R>(_ bytes: UnsafeRawBufferPointer, file: String, _ body: (UnsafeMutablePointer<png_image>) throws -> R) throws -> R {
        let image = UnsafeMutablePointer<png_image>.allocate(capacity: 1)
        image.initialize(to: png_image())
        defer {
            png_image_free(image)
            image.deallocate()
        }
        image.pointee.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_memory(image, bytes.baseAddress, bytes.count) != 0 else {
            throw DataError(.corrupt, file: file, "undecodable PNG: \(message(image))")
        }
        return try body(image)
    }

    private static func message(_ image: UnsafeMutablePointer<png_image>) -> String {
        withUnsafeBytes(of: image.pointee.message) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
