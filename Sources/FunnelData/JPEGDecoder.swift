import CCodecs

/// Decodes JPEG files to 8-bit RGB with libjpeg-turbo, one at a time, reusing one decompressor.
///
/// libjpeg reports a fatal error by calling `error_exit`, which by default calls `exit()` and in
/// any case must not return: the C code after the call assumes control never comes back. Swift
/// cannot `setjmp`, so this decoder's `error_exit` hands the message to `onFatal`, which never
/// returns either (`DecodeThreads` parks the thread for good). Recoverable problems (a file cut
/// short, bytes that are not entropy-coded data) are libjpeg warnings: libjpeg fills in grey and
/// goes on, and this decoder turns the first warning into an error, since a damaged training image
/// should be fixed, not learnt from.
final class JPEGDecoder {
    private let info: UnsafeMutablePointer<jpeg_decompress_struct>
    private let errors: UnsafeMutablePointer<jpeg_error_mgr>
    private let onFatal: (String) -> Never
    /// The first warning of the current image.
    private var warning: String?

    /// A decoder whose fatal libjpeg errors go to `onFatal`, which must not return.
    init(onFatal: @escaping (String) -> Never) {
        self.onFatal = onFatal
        info = .allocate(capacity: 1)
        info.initialize(to: jpeg_decompress_struct())
        errors = .allocate(capacity: 1)
        errors.initialize(to: jpeg_error_mgr())
        info.pointee.err = jpeg_std_error(errors)
        errors.pointee.error_exit = { common in
            let decoder = JPEGDecoder.owner(of: common)
            decoder.onFatal(decoder.message(common))
        }
        errors.pointee.output_message = { common in
            let decoder = JPEGDecoder.owner(of: common)
            if decoder.warning == nil { decoder.warning = decoder.message(common) }
        }
        jpeg_CreateDecompress(info, JPEG_LIB_VERSION, MemoryLayout<jpeg_decompress_struct>.size)
        // Set after creation: libjpeg keeps `err` and `client_data` but let us not rely on it.
        info.pointee.client_data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        jpeg_destroy_decompress(info)
        info.deallocate()
        errors.deallocate()
    }

    private static func owner(of common: j_common_ptr?) -> JPEGDecoder {
        Unmanaged<JPEGDecoder>.fromOpaque(common!.pointee.client_data).takeUnretainedValue()
    }

    /// libjpeg's text for its last message.
    private func message(_ common: j_common_ptr?) -> String {
        var text = [CChar](repeating: 0, count: Int(JMSG_LENGTH_MAX))
        errors.pointee.format_message(common, &text)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The width and height in the JPEG's header.
    func size(of bytes: UnsafeRawBufferPointer) -> ImageSize {
        readHeader(bytes)
        defer { jpeg_abort_decompress(info) }
        return ImageSize(width: Int(info.pointee.image_width), height: Int(info.pointee.image_height))
    }

    /// Decodes `bytes` into `destination` as RGB rows of `size.width * 3` bytes.
    /// - Throws: `ImageSizeMismatch` if the JPEG is not `size`; `DataError` `.corrupt` naming `file`
    ///   if libjpeg warned about damaged data.
    func decode(_ bytes: UnsafeRawBufferPointer, file: String, size: ImageSize, into destination: UnsafeMutablePointer<UInt8>) throws {
        readHeader(bytes)
        let found = ImageSize(width: Int(info.pointee.image_width), height: Int(info.pointee.image_height))
        guard found == size else {
            jpeg_abort_decompress(info)
            throw ImageSizeMismatch(found: found)
        }
        info.pointee.out_color_space = JCS_RGB // libjpeg-turbo expands greyscale to RGB
        _ = jpeg_start_decompress(info)
        let rowBytes = size.width * 3
        while info.pointee.output_scanline < info.pointee.output_height {
            var row: JSAMPROW? = destination + Int(info.pointee.output_scanline) * rowBytes
            _ = jpeg_read_scanlines(info, &row, 1)
        }
        _ = jpeg_finish_decompress(info)
        if let warning {
            throw DataError(.corrupt, file: file, "damaged JPEG data: \(warning)")
        }
    }

    private func readHeader(_ bytes: UnsafeRawBufferPointer) {
        warning = nil
        errors.pointee.num_warnings = 0
        jpeg_mem_src(info, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt(bytes.count))
        _ = jpeg_read_header(info, 1)
    }
}
