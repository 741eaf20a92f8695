import CCodecs
import Foundation
@testable import FunnelData

/// A fresh folder under the system's temporary folder, removed when the value is dropped.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "funnel-data-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path/relative`.
    func callAsFunction(_ relative: String) -> String { path + "/" + relative }

    /// Writes `bytes` at `relative`, creating folders on the way.
    @discardableResult
    func write(_ relative: String, _ bytes: [UInt8]) throws -> String {
        let file = self(relative)
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func makeFolder(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: self(relative), withIntermediateDirectories: true)
    }
}

/// A small image as HWC bytes.
struct TestImage {
    var width: Int
    var height: Int
    var channels: Int
    var pixels: [UInt8]

    /// An RGB image whose bytes vary with position, channel and `seed`.
    static func pattern(width: Int, height: Int, seed: Int) -> TestImage {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    let value: Int = seed * 37 + y * 29 + x * 11 + c * 83
                    pixels.append(UInt8(value % 256))
                }
            }
        }
        return TestImage(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// A smooth RGB image (gradients survive JPEG compression with small errors).
    static func smooth(width: Int, height: Int, seed: Int) -> TestImage {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                let red: Int = 40 + seed * 20 + x * 4
                let green: Int = 60 + y * 5
                let blue: Int = 200 - seed * 10 + x + y
                pixels += [UInt8(red % 256), UInt8(green % 256), UInt8(blue % 256)]
            }
        }
        return TestImage(width: width, height: height, channels: 3, pixels: pixels)
    }
}

/// Hand-written encoders and archivers, so the decoders are checked against independent code.
enum Encode {
    /// A PNG (8-bit; 1 channel grey, 3 RGB, 4 RGBA), written chunk by chunk with zlib.
    static func png(_ image: TestImage) -> [UInt8] {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return bigEndian(UInt32(data.count)) + body + bigEndian(UInt32(crc32(0, body, UInt32(body.count))))
        }
        let colorType: UInt8 = [1: 0, 3: 2, 4: 6][image.channels]!
        let header = bigEndian(UInt32(image.width)) + bigEndian(UInt32(image.height)) + [8, colorType, 0, 0, 0]
        var raw: [UInt8] = []
        let row = image.width * image.channels
        for y in 0..<image.height { raw += [0] + image.pixels[y * row ..< (y + 1) * row] } // filter 0: none
        var compressedSize = compressBound(UInt(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedSize))
        precondition(compress(&compressed, &compressedSize, raw, UInt(raw.count)) == Z_OK)
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        return signature + chunk("IHDR", header) + chunk("IDAT", Array(compressed[..<Int(compressedSize)])) + chunk("IEND", [])
    }

    /// An 8-bit palette PNG (colour type 3) of palette indices, with a palette whose colours differ
    /// from the indices (so a decoder that returns colours is caught), each row with a different
    /// filter type (0-4), so every unfiltering rule is exercised.
    static func palettePNG(width: Int, height: Int, indices: [UInt8]) -> [UInt8] {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return bigEndian(UInt32(data.count)) + body + bigEndian(UInt32(crc32(0, body, UInt32(body.count))))
        }
        let header = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 3, 0, 0, 0]
        let palette: [UInt8] = (0..<256).flatMap { (i: Int) -> [UInt8] in
            let red = UInt8((i * 37 + 11) % 256), green = UInt8((i * 91 + 3) % 256)
            return [red, green, UInt8(255 - i)]
        }
        var raw: [UInt8] = []
        for y in 0..<height {
            let filter = UInt8(y % 5)
            raw.append(filter)
            for x in 0..<width {
                let a = x > 0 ? Int(indices[y * width + x - 1]) : 0, b = y > 0 ? Int(indices[(y - 1) * width + x]) : 0
                let c = x > 0 && y > 0 ? Int(indices[(y - 1) * width + x - 1]) : 0
                let p = a + b - c, (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                let predicted = [0, a, b, (a + b) / 2, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][Int(filter)]
                raw.append(UInt8(truncatingIfNeeded: Int(indices[y * width + x]) - predicted))
            }
        }
        var compressedSize = compressBound(UInt(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedSize))
        precondition(compress(&compressed, &compressedSize, raw, UInt(raw.count)) == Z_OK)
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        return signature + chunk("IHDR", header) + chunk("PLTE", palette) + chunk("IDAT", Array(compressed[..<Int(compressedSize)])) + chunk("IEND", [])
    }

    /// A baseline JPEG from libjpeg's encoder (1 channel grey or 3 RGB).
    static func jpeg(_ image: TestImage, quality: Int32 = 95) -> [UInt8] {
        var info = jpeg_compress_struct()
        var errors = jpeg_error_mgr()
        info.err = jpeg_std_error(&errors)
        jpeg_CreateCompress(&info, JPEG_LIB_VERSION, MemoryLayout<jpeg_compress_struct>.size)
        var buffer: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        jpeg_mem_dest(&info, &buffer, &size)
        info.image_width = JDIMENSION(image.width)
        info.image_height = JDIMENSION(image.height)
        info.input_components = Int32(image.channels)
        info.in_color_space = image.channels == 1 ? JCS_GRAYSCALE : JCS_RGB
        jpeg_set_defaults(&info)
        jpeg_set_quality(&info, quality, 1)
        jpeg_start_compress(&info, 1)
        var pixels = image.pixels
        pixels.withUnsafeMutableBufferPointer { p in
            while info.next_scanline < info.image_height {
                var row: JSAMPROW? = p.baseAddress! + Int(info.next_scanline) * image.width * image.channels
                jpeg_write_scanlines(&info, &row, 1)
            }
        }
        jpeg_finish_compress(&info)
        jpeg_destroy_compress(&info)
        let bytes = Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
        free(buffer)
        return bytes
    }

    /// An entry of a tar archive: a file with contents, or a folder.
    enum TarItem {
        case file(String, [UInt8])
        case folder(String)
    }

    /// A POSIX ustar archive.
    static func tar(_ items: [TarItem]) -> [UInt8] {
        var out: [UInt8] = []
        for item in items {
            switch item {
            case .file(let name, let data):
                out += tarHeader(name: name, size: data.count, type: "0")
                out += data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
            case .folder(let name):
                out += tarHeader(name: name + "/", size: 0, type: "5")
            }
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }

    /// A ustar header block with a correct checksum.
    static func tarHeader(name: String, size: Int, type: Character) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) { for (i, b) in text.utf8.enumerated() { header[offset + i] = b } }
        precondition(name.utf8.count <= 100, "test tar names are short")
        put(name, at: 0)
        put("0000644", at: 100)
        put("0000000", at: 108)
        put("0000000", at: 116)
        put(String(format: "%011o", size), at: 124)
        put("00000000000", at: 136)
        put(String(type), at: 156)
        put("ustar", at: 257)
        put("00", at: 263)
        for i in 148..<156 { header[i] = 32 }
        put(String(format: "%06o", header.reduce(0) { $0 + Int($1) }) + "\0 ", at: 148)
        return header
    }

    /// A gzip file of `bytes` from zlib.
    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        let windowBits: Int32 = 15 + 16 // + 16: a gzip wrapper rather than zlib's
        precondition(deflateInit2_(&stream, 6, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 64)
        var input = bytes
        let produced = input.withUnsafeMutableBufferPointer { inBuffer in
            out.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        deflateEnd(&stream)
        return Array(out[..<produced])
    }

    /// CIFAR binary records: per image its label byte(s), then the R, G and B planes.
    static func cifarRecords(_ images: [TestImage], labels: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for (image, label) in zip(images, labels) {
            out += label
            for c in 0..<3 {
                for p in 0..<(image.width * image.height) { out.append(image.pixels[p * 3 + c]) }
            }
        }
        return out
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}

/// A small image-folder dataset of PNGs: each class gets `trainPerClass` and `testPerClass` images.
struct FolderFixture {
    var classes = ["cat", "airplane", "dog"]
    var trainPerClass = 3
    var testPerClass = 2
    var width = 6
    var height = 5

    /// Every image of `split` with its relative path and label, in the loader's order (classes
    /// sorted by name, files by name).
    func images(split: String) -> [(path: String, image: TestImage, label: Int)] {
        let perClass = split == "train" ? trainPerClass : testPerClass
        return classes.sorted().enumerated().flatMap { label, name in
            (0..<perClass).map { k in
                let seed = label * 10 + k + (split == "test" ? 100 : 0)
                return ("\(split)/\(name)/\(String(format: "%04d", k)).png", TestImage.pattern(width: width, height: height, seed: seed), label)
            }
        }
    }

    /// The expected pixels of `split`, image after image.
    func pixels(split: String) -> [UInt8] { images(split: split).flatMap(\.image.pixels) }

    /// Tar items of the whole tree under `top` (`""`: no top folder).
    func tarItems(top: String = "") -> [Encode.TarItem] {
        let prefix = top.isEmpty ? "" : top + "/"
        var items: [Encode.TarItem] = top.isEmpty ? [] : [.folder(top)]
        for split in ["train", "test"] {
            items.append(.folder(prefix + split))
            for name in classes.sorted() { items.append(.folder(prefix + split + "/" + name)) }
            items += images(split: split).map { .file(prefix + $0.path, Encode.png($0.image)) }
        }
        return items
    }

    /// Writes the tree as PNG files under `relative` in `folder`.
    func write(to folder: TemporaryFolder, under relative: String) throws {
        for split in ["train", "test"] {
            for item in images(split: split) { try folder.write(relative + "/" + item.path, Encode.png(item.image)) }
        }
    }
}

/// The `DataError` `body` throws; nil if it throws nothing or another kind of error.
func dataError(_ body: () throws -> Void) -> DataError? {
    do { try body() } catch let error as DataError { return error } catch { return nil }
    return nil
}
