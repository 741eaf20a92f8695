import CJPEG

/// Decodes JPEG files to 8-bit RGB with libjpeg-turbo, one at a time, reusing one decompressor.
///
/// libjpeg's fatal errors come back as thrown errors: `CJPEG` makes every libjpeg call under a
/// `setjmp`, which Swift cannot. Recoverable problems (a file cut short, bytes that are not
/// entropy-coded data) are libjpeg warnings: libjpeg fills in grey and goes on, and this decoder
/// turns the first warning into an error, since a damaged training image should be fixed, not
/// learnt from.
final class JPEGDecoder {
    private let decoder: OpaquePointer

    init() {
        guard let decoder = funnel_jpeg_create() else { fatalError("out of memory creating a JPEG decompressor") }
        self.decoder = decoder
    }

    deinit { funnel_jpeg_destroy(decoder) }

    private var message: String { String(cString: funnel_jpeg_message(decoder)) }

    /// The width and height in the JPEG's header.
    /// - Throws: `DataError` `.corrupt` naming `file` if libjpeg cannot read the header.
    func size(of bytes: UnsafeRawBufferPointer, file: String) throws -> ImageSize {
        var width: Int32 = 0, height: Int32 = 0
        let status = funnel_jpeg_size(decoder, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &width, &height)
        guard status == FUNNEL_JPEG_OK else { throw DataError(.corrupt, file: file, "undecodable JPEG: \(message)") }
        return ImageSize(width: Int(width), height: Int(height))
    }

    /// Decodes `bytes` into `destination` as RGB rows of `size.width * 3` bytes.
    /// - Throws: `ImageSizeMismatch` if the JPEG is not `size`; `DataError` `.corrupt` naming `file`
    ///   if libjpeg could not decode it or warned about damaged data.
    func decode(_ bytes: UnsafeRawBufferPointer, file: String, size: ImageSize, into destination: UnsafeMutablePointer<UInt8>) throws {
        var width: Int32 = 0, height: Int32 = 0
        let status = funnel_jpeg_decode(decoder, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count,
                                        Int32(clamping: size.width), Int32(clamping: size.height), destination, &width, &height)
        switch status {
        case FUNNEL_JPEG_OK: return
        case FUNNEL_JPEG_SIZE_MISMATCH: throw ImageSizeMismatch(found: ImageSize(width: Int(width), height: Int(height)))
        case FUNNEL_JPEG_WARNING: throw DataError(.corrupt, file: file, "damaged JPEG data: \(message)")
        case FUNNEL_JPEG_TOO_LARGE: throw DataError(.corrupt, file: file, "JPEG of \(width)x\(height) pixels is too large to decode")
        default: throw DataError(.corrupt, file: file, "undecodable JPEG: \(message)")
        }
    }
}
