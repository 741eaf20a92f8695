import Testing
@testable import FunnelInterop

/// Encodings worked by hand from the protobuf encoding guide.
@Suite struct ProtobufWriterTests {
    @Test func varintsAndTags() {
        var w = ProtobufWriter()
        w.int(1, 150)            // the guide's example: 08 96 01
        w.int(2, -1)             // ten bytes of 0xFF..0x01
        w.bool(3, true)
        #expect(w.bytes == [0x08, 0x96, 0x01, 0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x01, 0x18, 0x01])
    }

    @Test func fixedWidthAndLengthDelimited() {
        var w = ProtobufWriter()
        w.float(1, 1.0)          // 0d 00 00 80 3f
        w.double(2, -2.0)        // 11 then 0xC000000000000000 little-endian
        w.string(3, "testing")   // 1a 07 74 65 73 74 69 6e 67
        w.message(4) { $0.int(1, 150) }
        w.packedInts(5, [3, 270])
        #expect(w.bytes == [0x0D, 0, 0, 0x80, 0x3F, 0x11, 0, 0, 0, 0, 0, 0, 0, 0xC0,
                            0x1A, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67,
                            0x22, 0x03, 0x08, 0x96, 0x01, 0x2A, 0x03, 0x03, 0x8E, 0x02])
    }
}
