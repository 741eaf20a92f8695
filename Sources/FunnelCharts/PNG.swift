import CCodecs

/// PNG encoding with libpng's simplified write API (`png_image_write_to_memory`).
///
/// libpng reports errors by `longjmp`, which Swift cannot set up; the simplified API makes its
/// calls under its own `setjmp` and returns 0 instead, so nothing jumps over Swift frames. With
/// the sizes checked here, only running out of memory can make it fail.
enum PNG {
    /// PNG bytes for `rgb`: `height` rows of `width` pixels, three bytes (R, G, B) each.
    static func encode(width: Int, height: Int, rgb: [UInt8]) -> [UInt8] {
        precondition(width > 0 && height > 0 && rgb.count == width * height * 3,
                     "[PNG] \(width)x\(height) RGB needs \(width * height * 3) bytes, got \(rgb.count)")
        // On the heap: libpng keeps the struct's address while it works.
        let image = UnsafeMutablePointer<png_image>.allocate(capacity: 1)
        defer { image.deallocate() }
        image.initialize(to: png_image())
        image.pointee.version = UInt32(PNG_IMAGE_VERSION)
        (image.pointee.width, image.pointee.height) = (UInt32(width), UInt32(height))
        image.pointee.format = UInt32(PNG_FORMAT_FLAG_COLOR) // PNG_FORMAT_RGB: 8-bit sRGB, no alpha
        var size = 0
        var bytes: [UInt8] = []
        // The first call measures, the second writes.
        for pass in 0..<2 {
            bytes = [UInt8](repeating: 0, count: size)
            let ok = bytes.withUnsafeMutableBytes { out in
                png_image_write_to_memory(image, pass == 0 ? nil : out.baseAddress, &size, 0, rgb, 0, nil)
            }
            precondition(ok != 0, "[PNG] libpng could not encode a \(width)x\(height) image: " + withUnsafeBytes(of: image.pointee.message) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            })
        }
        return Array(bytes.prefix(size))
    }
}
