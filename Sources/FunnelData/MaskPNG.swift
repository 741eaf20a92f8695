import CCodecs

/// Reads a segmentation mask from an 8-bit greyscale or palette PNG: one class per pixel, the raw
/// sample value (the grey level, or the palette index, not its colour), as PIL's
/// `np.array(Image.open(mask))` gives it for modes `L` and `P` (the Pascal VOC convention).
///
/// libpng's simplified API, which decodes the images, always maps palette entries to colours, so
/// masks are decoded here: chunks, zlib, and the five PNG row filters. Only what masks use is
/// supported (bit depth 8, no interlacing); anything else is an error that says so.
enum MaskPNG {
    /// The mask's width, height and values (row by row).
    /// - Throws: `DataError` `.corrupt` naming `file` for a damaged PNG or an unsupported kind
    ///   (colour type, bit depth, interlacing), with what was expected and found.
    static func decode(_ bytes: [UInt8], file: String) throws -> (width: Int, height: Int, values: [UInt8]) {
        let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]
        guard bytes.count > 8, Array(bytes[0..<8]) == signature else {
            throw DataError(.corrupt, file: file, "not a PNG file (no PNG signature); masks must be 8-bit greyscale or palette PNGs")
        }
        func be32(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        var offset = 8, width = 0, height = 0, compressed: [UInt8] = []
        while offset + 8 <= bytes.count {
            let length = be32(offset), type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let data = offset + 8
            guard data + length + 4 <= bytes.count else { throw DataError(.truncated, file: file, "PNG chunk \(type) runs past the end of the file") }
            switch type {
            case "IHDR":
                width = be32(data); height = be32(data + 4)
                let (depth, colour, interlace) = (bytes[data + 8], bytes[data + 9], bytes[data + 12])
                guard depth == 8, colour == 0 || colour == 3, interlace == 0 else {
                    throw DataError(.corrupt, file: file, "mask PNG has colour type \(colour), bit depth \(depth), interlace \(interlace); "
                                    + "expected an 8-bit greyscale (type 0) or palette (type 3) image without interlacing")
                }
            case "IDAT": compressed += bytes[data..<(data + length)]
            case "IEND": offset = bytes.count; continue
            default: break
            }
            offset = data + length + 4
        }
        guard width > 0, height > 0 else { throw DataError(.corrupt, file: file, "PNG without an IHDR chunk giving its size") }
        let stride = width + 1
        var raw = [UInt8](repeating: 0, count: stride * height)
        var rawLength = UInt(raw.count)
        let status = compressed.withUnsafeBufferPointer { source in
            raw.withUnsafeMutableBufferPointer { uncompress($0.baseAddress, &rawLength, source.baseAddress, UInt(source.count)) }
        }
        guard status == Z_OK, rawLength == UInt(raw.count) else {
            throw DataError(.corrupt, file: file, "PNG image data does not inflate to \(height) rows of \(width) pixels (zlib status \(status), \(rawLength) bytes)")
        }
        var values = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            let filter = raw[y * stride]
            for x in 0..<width {
                let a = x > 0 ? Int(values[y * width + x - 1]) : 0
                let b = y > 0 ? Int(values[(y - 1) * width + x]) : 0
                let c = x > 0 && y > 0 ? Int(values[(y - 1) * width + x - 1]) : 0
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = a
                case 2: predicted = b
                case 3: predicted = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                default: throw DataError(.corrupt, file: file, "PNG row \(y) has filter type \(filter), expected 0 to 4")
                }
                values[y * width + x] = UInt8(truncatingIfNeeded: Int(raw[y * stride + 1 + x]) + predicted)
            }
        }
        return (width, height, values)
    }
}
