import Foundation
import Testing
@testable import FunnelData

/// Decodes `bytes` (a file named `name`) to RGB with the module's decoder.
func decodeImage(_ bytes: [UInt8], name: String = "image", size: ImageSize) throws -> [UInt8] {
    var pixels = [UInt8](repeating: 0, count: size.width * size.height * 3)
    try bytes.withUnsafeBytes { raw in
        try pixels.withUnsafeMutableBufferPointer { p in
            try ImageDecoder().decode(raw, file: name, size: size, reference: "reference.png", into: p.baseAddress!)
        }
    }
    return pixels
}

@Suite struct CodecTests {
    @Test func pngRGBDecodesExactly() throws {
        let image = TestImage.pattern(width: 7, height: 5, seed: 3)
        #expect(try decodeImage(Encode.png(image), size: ImageSize(width: 7, height: 5)) == image.pixels)
    }

    @Test func pngGreyAndRGBABecomeRGB() throws {
        let grey = TestImage(width: 4, height: 3, channels: 1, pixels: (0..<12).map { UInt8($0 * 20) })
        #expect(try decodeImage(Encode.png(grey), size: ImageSize(width: 4, height: 3)) == grey.pixels.flatMap { [$0, $0, $0] })
        let rgb = TestImage.pattern(width: 4, height: 3, seed: 1)
        var rgba = TestImage(width: 4, height: 3, channels: 4, pixels: [])
        for p in 0..<12 { rgba.pixels += rgb.pixels[p * 3 ..< p * 3 + 3] + [255] }
        #expect(try decodeImage(Encode.png(rgba), size: ImageSize(width: 4, height: 3)) == rgb.pixels)
    }

    @Test func jpegDecodesWithinTolerance() throws {
        let image = TestImage.smooth(width: 16, height: 8, seed: 2)
        let decoded = try decodeImage(Encode.jpeg(image, quality: 95), size: ImageSize(width: 16, height: 8))
        let worst = zip(decoded, image.pixels).map { abs(Int($0) - Int($1)) }.max()!
        #expect(worst <= 12, "largest JPEG error \(worst)")
        let mean = zip(decoded, image.pixels).map { Double(abs(Int($0) - Int($1))) }.reduce(0, +) / Double(decoded.count)
        #expect(mean < 3, "mean JPEG error \(mean)")
    }

    @Test func greyJPEGBecomesRGB() throws {
        let grey = TestImage(width: 8, height: 8, channels: 1, pixels: (0..<64).map { UInt8(100 + $0) })
        let decoded = try decodeImage(Encode.jpeg(grey), size: ImageSize(width: 8, height: 8))
        for p in 0..<64 {
            #expect(decoded[3 * p] == decoded[3 * p + 1] && decoded[3 * p] == decoded[3 * p + 2])
            #expect(abs(Int(decoded[3 * p]) - Int(grey.pixels[p])) <= 4)
        }
    }

    @Test func wrongSizeNamesBothFiles() throws {
        let image = TestImage.pattern(width: 7, height: 5, seed: 0)
        let error = dataError { _ = try decodeImage(Encode.png(image), name: "b.png", size: ImageSize(width: 5, height: 7)) }
        #expect(error?.kind == .imageSize)
        #expect(error?.file == "b.png")
        #expect(error?.problem.contains("7x5") == true && error?.problem.contains("expected 5x7 like reference.png") == true)
    }

    /// Cut inside the compressed data, libjpeg only warns (and fills in grey); the warning must
    /// still be an error.
    @Test func jpegCutInItsDataIsAnError() throws {
        let bytes = Encode.jpeg(TestImage.smooth(width: 32, height: 32, seed: 1))
        let scan = try #require((0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA })
        let cut = Array(bytes[..<((scan + bytes.count) / 2)])
        let error = dataError { _ = try decodeImage(cut, name: "cut.jpg", size: ImageSize(width: 32, height: 32)) }
        #expect(error?.kind == .corrupt)
        #expect(error?.file == "cut.jpg")
        #expect(error?.problem.contains("Premature end of JPEG file") == true, Comment(rawValue: error?.description ?? "no error"))
    }

    /// Cut inside its headers, libjpeg fails fatally; that must be an error too, not `exit()`.
    @Test func jpegCutInItsHeadersIsAnError() throws {
        let bytes = Encode.jpeg(TestImage.smooth(width: 32, height: 32, seed: 1))
        let scan = try #require((0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA })
        let error = dataError { _ = try decodeImage(Array(bytes[..<(scan / 2)]), name: "cut.jpg", size: ImageSize(width: 32, height: 32)) }
        #expect(error?.kind == .corrupt)
        #expect(error?.file == "cut.jpg")
        #expect(error?.problem.hasPrefix("undecodable JPEG: ") == true, Comment(rawValue: error?.description ?? "no error"))
    }

    /// A fatal libjpeg error (here an unsupported sample precision) must become an error, not
    /// `exit()`: libjpeg's error handler jumps back into `CJPEG`, which returns the message.
    @Test func fatalJPEGErrorIsAnErrorNotAnExit() throws {
        var bytes = Encode.jpeg(TestImage.smooth(width: 8, height: 8, seed: 1))
        let sof = try #require((0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes[sof + 4] = 7 // the frame header's sample precision: libjpeg supports 8 (and 12)
        let error = dataError { _ = try decodeImage(bytes, name: "bad.jpg", size: ImageSize(width: 8, height: 8)) }
        #expect(error?.kind == .corrupt)
        #expect(error?.file == "bad.jpg")
        #expect(error?.problem.contains("Unsupported JPEG data precision 7") == true, "\(String(describing: error))")
    }

    /// After a fatal error the decoder is reset, not lost: the same one decodes the next image
    /// exactly, and many fatal errors leave no thread or decompressor behind (the fuzzer once ran
    /// out of memory on threads parked by the earlier design).
    @Test func decoderRecoversFromFatalErrorsWithoutLeaking() throws {
        let image = TestImage.smooth(width: 8, height: 8, seed: 2)
        let good = Encode.jpeg(image)
        var bad = good
        let sof = try #require((0..<bad.count - 1).first { bad[$0] == 0xFF && bad[$0 + 1] == 0xC0 })
        bad[sof + 4] = 7
        let size = ImageSize(width: 8, height: 8)
        let expected = try decodeImage(good, size: size)
        let decoder = ImageDecoder()
        func decode(_ bytes: [UInt8]) throws -> [UInt8] {
            var pixels = [UInt8](repeating: 0, count: 8 * 8 * 3)
            try bytes.withUnsafeBytes { raw in
                try pixels.withUnsafeMutableBufferPointer { p in
                    try decoder.decode(raw, file: "x.jpg", size: size, reference: "x.jpg", into: p.baseAddress!)
                }
            }
            return pixels
        }
        let threadsBefore = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count
        for _ in 0..<200 {
            #expect(throws: DataError.self) { _ = try decode(bad) }
            #expect(try decode(good) == expected)
        }
        let threadsAfter = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count
        #expect(threadsAfter <= threadsBefore + 2, "threads grew from \(threadsBefore) to \(threadsAfter)")
    }

    @Test func damagedPNGIsAnError() throws {
        var bytes = Encode.png(TestImage.pattern(width: 8, height: 8, seed: 1))
        bytes[bytes.count - 20] ^= 0xFF // inside the IDAT chunk: its CRC no longer matches
        let error = dataError { _ = try decodeImage(bytes, name: "bad.png", size: ImageSize(width: 8, height: 8)) }
        #expect(error?.kind == .corrupt)
        #expect(error?.file == "bad.png")
        #expect(error?.problem.hasPrefix("undecodable PNG: ") == true, "\(String(describing: error))")
    }

    @Test func otherBytesAreNotAnImage() throws {
        let error = dataError { _ = try decodeImage(Array("hello world".utf8), name: "note.jpg", size: ImageSize(width: 1, height: 1)) }
        #expect(error?.kind == .corrupt)
        #expect(error?.problem.contains("starts with 0x68 0x65 0x6C 0x6C") == true, "\(String(describing: error))")
        #expect(dataError { _ = try decodeImage([], name: "empty.png", size: ImageSize(width: 1, height: 1)) }?.kind == .truncated)
    }
}
