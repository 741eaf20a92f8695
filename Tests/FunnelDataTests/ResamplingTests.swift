import Foundation
import Testing
import FunnelTestSupport
@testable import FunnelData

/// Resizing agrees with Pillow's bilinear filter (antialiased when shrinking) to one grey level.
@Suite struct ResamplingTests {
    static let pillow = """
        import sys
        from PIL import Image
        w, h, tw, th = map(int, sys.argv[2:6])
        image = Image.frombytes("RGB", (w, h), open(sys.argv[1], "rb").read())
        open(sys.argv[6], "wb").write(image.resize((tw, th), Image.BILINEAR).tobytes())
        """

    func pseudoRandomImage(width: Int, height: Int) -> RGBImage {
        var state: UInt32 = 12345
        let pixels = (0..<(width * height * 3)).map { _ -> UInt8 in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    @Test(.enabled(if: TestServices.runPython, "needs the Python environment (./test.sh makes it)"),
          arguments: [(16, 11), (50, 40), (37, 10), (8, 8)])
    func matchesPillow(size: (Int, Int)) throws {
        let image = pseudoRandomImage(width: 37, height: 23)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("resample-\(UUID().uuidString).rgb")
        let output = file.appendingPathExtension("out")
        defer { try? FileManager.default.removeItem(at: file); try? FileManager.default.removeItem(at: output) }
        try Data(image.pixels).write(to: file)
        let result = try TestServices.python(Self.pillow, [file.path, "37", "23", "\(size.0)", "\(size.1)", output.path])
        try #require(result.status == 0, "\(result.stderr)")
        let expected = [UInt8](try Data(contentsOf: output))
        let ours = image.resized(width: size.0, height: size.1).pixels
        try #require(expected.count == ours.count, "Pillow gave \(expected.count) bytes")
        let worst = zip(ours, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
        print("resized 37x23 to \(size.0)x\(size.1): largest difference from Pillow \(worst) grey level(s)")
        #expect(worst <= 1, "largest difference from Pillow: \(worst) grey levels")
    }

    @Test func constantImagesStayConstantAndCropsAreCentred() {
        let grey = RGBImage(width: 9, height: 5, pixels: [UInt8](repeating: 77, count: 9 * 5 * 3))
        #expect(grey.resized(width: 4, height: 3).pixels.allSatisfy { $0 == 77 })
        #expect(grey.resized(width: 20, height: 11).pixels.allSatisfy { $0 == 77 })
        // 4 wide, 1 high, red channel 0...3: the central 2 are 1 and 2.
        let ramp = RGBImage(width: 4, height: 1, pixels: [0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0])
        #expect(ramp.cropped(width: 2, height: 1).pixels == [1, 0, 0, 2, 0, 0])
        // Fitting a 40x20 image into 10x10 scales it to 20x10 and keeps the middle half.
        #expect(pseudoRandomImage(width: 40, height: 20).fitted(width: 10, height: 10).width == 10)
    }
}
