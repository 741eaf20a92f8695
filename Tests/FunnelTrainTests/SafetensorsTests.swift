import Foundation
import Testing
import FunnelTensor
@testable import FunnelTrain

@Suite struct SafetensorsTests {
    /// A tiny file built by hand from the format's definition: an I64 scalar and an F32 vector
    /// with metadata. The reference writer (Python `safetensors`) produces exactly these bytes.
    static let tinyFileBytes: [UInt8] = {
        let header = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#
            + "      " // 138 bytes of JSON padded with spaces to 144, a multiple of 8
        let length: [UInt8] = [0x90, 0, 0, 0, 0, 0, 0, 0] // 144, little-endian
        let a: [UInt8] = [3, 0, 0, 0, 0, 0, 0, 0] // Int64 3
        let b: [UInt8] = [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40] // Float 1.0, 2.0
        return length + Array(header.utf8) + a + b
    }()

    static var tinyFile: SafetensorsFile {
        // "b" before "a" on purpose: the layout must not depend on insertion order.
        var file = SafetensorsFile(tensors: ["b": Tensor(shape: [2], scalars: [1, 2])], metadata: ["format": "pt"])
        file.entries["a"] = SafetensorsEntry(int64: [3], shape: [])
        return file
    }

    @Test func writesExactBytes() {
        #expect(Self.tinyFile.serialized() == Self.tinyFileBytes)
    }

    @Test func readsHandBuiltFile() throws {
        let file = try SafetensorsFile(bytes: Self.tinyFileBytes)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.entries.keys.sorted() == ["a", "b"])
        #expect(try file.integer("a") == 3)
        #expect(try file.tensor("b").scalars == [1, 2])
        #expect(try file.tensor("b").shape == [2])
    }

    @Test func roundTripsTensorsOfEveryRank() throws {
        let conv = Tensor(shape: [16, 3, 3, 3], scalars: (0..<432).map { Float($0) * 0.25 - 50 })
        let file = SafetensorsFile(tensors: [
            "layer1.0.conv1.weight": conv,
            "linear.bias": Tensor(shape: [10], scalars: (0..<10).map(Float.init)),
            "linear.weight": Tensor(shape: [10, 4], scalars: (0..<40).map { Float($0) / 3 }),
            "scale": Tensor(0.5),
        ], metadata: ["epoch": "3", "model": "resnet20"])
        var withCounters = file
        withCounters.entries["bn1.num_batches_tracked"] = SafetensorsEntry(int64: [391], shape: [])
        withCounters.entries["y"] = SafetensorsEntry(int64: [3, 1, 4, 1, 5], shape: [5])
        withCounters.entries["mask"] = SafetensorsEntry(bools: [true, false, true], shape: [3])
        withCounters.entries["empty"] = SafetensorsEntry(Tensor(shape: [2, 0], scalars: []))
        withCounters.entries["no_labels"] = SafetensorsEntry(int64: [], shape: [0])

        let bytes = withCounters.serialized()
        let back = try SafetensorsFile(bytes: bytes)
        #expect(back.entries == withCounters.entries)
        #expect(back.metadata == withCounters.metadata)
        // 4-D tensors are channels-last in memory; values must come back in logical OIHW order.
        let loaded = try back.tensor("layer1.0.conv1.weight", shape: [16, 3, 3, 3])
        #expect(loaded.scalars == conv.scalars)
        #expect(loaded[2, 1, 0, 2] == conv[2, 1, 0, 2])
        #expect(try back.tensor("scale").shape == [])
        #expect(try back.integer("bn1.num_batches_tracked") == 391)
        #expect(try back.integers("y") == [3, 1, 4, 1, 5])
        #expect(try back.integers("mask") == [1, 0, 1])
        #expect(try back.tensor("empty").shape == [2, 0])
        #expect(try back.integers("no_labels") == [])
        #expect(Set(try back.tensors().keys) == ["layer1.0.conv1.weight", "linear.bias", "linear.weight", "scale", "empty"])
        // The same contents always give the same bytes.
        #expect(back.serialized() == bytes)
    }

    @Test func alignsEveryTensorToItsElementSize() throws {
        var file = SafetensorsFile()
        file.entries["u8"] = SafetensorsEntry(uint8: [1, 2, 3], shape: [3])
        file.entries["f32"] = SafetensorsEntry(Tensor(shape: [3], scalars: [1, 2, 3]))
        file.entries["i64"] = SafetensorsEntry(int64: [7], shape: [1])
        file.entries["i32"] = SafetensorsEntry(int32: [-1, 5], shape: [2])
        let bytes = file.serialized()
        let (header, dataStart) = try SafetensorsHeader.parse(bytes, source: "t")
        #expect(dataStart % 8 == 0)
        #expect(header.slots.map(\.name) == ["i64", "f32", "i32", "u8"])
        for slot in header.slots { #expect(slot.begin % slot.dtype.size == 0, "\(slot.name) at \(slot.begin)") }
    }

    @Test func widensHalfAndBFloat16Exactly() throws {
        // F16 bit patterns: 1, -2, 65504 (largest), 2^-24 (smallest subnormal), 2^-14 (smallest
        // normal), +inf, -0.
        let half: [UInt16] = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x7c00, 0x8000]
        // BF16: 1, -3, 2^-133 (subnormal), 1 + 2^-7.
        let bf16: [UInt16] = [0x3f80, 0xc040, 0x0001, 0x3f81]
        let doubles: [Double] = [0.1, -1e10, 1.0 / 3]
        var file = SafetensorsFile()
        file.entries["h"] = SafetensorsEntry(dtype: .f16, shape: [7], bytes: encodeLittleEndian(half))
        file.entries["bf"] = SafetensorsEntry(dtype: .bf16, shape: [2, 2], bytes: encodeLittleEndian(bf16))
        file.entries["d"] = SafetensorsEntry(dtype: .f64, shape: [3], bytes: encodeLittleEndian(doubles.map(\.bitPattern)))
        let back = try SafetensorsFile(bytes: file.serialized())
        let h = try back.tensor("h").scalars
        #expect(Array(h.prefix(6)) == [1, -2, 65504, 0x1p-24, 0x1p-14, .infinity])
        #expect(h[6] == 0 && h[6].sign == .minus)
        #expect(try back.tensor("bf").scalars == [1, -3, 0x1p-133, 1 + 0x1p-7])
        #expect(try back.tensor("bf").shape == [2, 2])
        #expect(try back.tensor("d").scalars == doubles.map { Float($0) })
        #expect(floatFromHalf(0x7e00).isNaN)
    }

    @Test func readsEveryIntegerDType() throws {
        var file = SafetensorsFile()
        file.entries["i8"] = SafetensorsEntry(dtype: .i8, shape: [2], bytes: [0xff, 0x7f])
        file.entries["u16"] = SafetensorsEntry(dtype: .u16, shape: [1], bytes: [0xff, 0xff])
        file.entries["i16"] = SafetensorsEntry(dtype: .i16, shape: [1], bytes: [0xfe, 0xff])
        file.entries["u32"] = SafetensorsEntry(dtype: .u32, shape: [1], bytes: [0xff, 0xff, 0xff, 0xff])
        file.entries["i32"] = SafetensorsEntry(int32: [Int32.min], shape: [1])
        file.entries["u64"] = SafetensorsEntry(dtype: .u64, shape: [1], bytes: encodeLittleEndian([UInt64(1) << 40]))
        file.entries["big"] = SafetensorsEntry(dtype: .u64, shape: [1], bytes: encodeLittleEndian([UInt64.max]))
        #expect(try file.integers("i8") == [-1, 127])
        #expect(try file.integers("u16") == [65535])
        #expect(try file.integers("i16") == [-2])
        #expect(try file.integers("u32") == [4_294_967_295])
        #expect(try file.integers("i32") == [Int64(Int32.min)])
        #expect(try file.integers("u64") == [1 << 40])
        #expect(throws: CheckpointError.integerOverflow(file: "<memory>", tensor: "big", value: "18446744073709551615")) {
            try file.integers("big")
        }
    }

    @Test func typedAccessNamesFileAndTensor() throws {
        let file = try SafetensorsFile(bytes: Self.tinyFileBytes, source: "ckpt.safetensors")
        #expect(throws: CheckpointError.missingTensor(file: "ckpt.safetensors", tensor: "c")) { try file.tensor("c") }
        #expect(throws: CheckpointError.wrongDType(file: "ckpt.safetensors", tensor: "a", dtype: .i64,
                                                  expected: "a floating-point dtype (F32, F64, F16, BF16)")) { try file.tensor("a") }
        #expect(throws: CheckpointError.wrongDType(file: "ckpt.safetensors", tensor: "b", dtype: .f32,
                                                  expected: "an integer or BOOL dtype")) { try file.integers("b") }
        do {
            _ = try file.tensor("b", shape: [3])
            Issue.record("shape mismatch not detected")
        } catch {
            #expect(error.description == "ckpt.safetensors: b: checkpoint has [2], model expects [3]")
        }
    }

    @Test func shapeCheckNamesTensorAndBothShapes() throws {
        let weight = Tensor(shape: [16, 3, 3, 3], scalars: [Float](repeating: 0, count: 432))
        try weight.checkShape([16, 3, 3, 3], name: "layer1.0.conv1.weight")
        do {
            try weight.checkShape([16, 16, 3, 3], name: "layer1.0.conv1.weight")
            Issue.record("shape mismatch not detected")
        } catch {
            #expect(error.description == "layer1.0.conv1.weight: checkpoint has [16, 3, 3, 3], model expects [16, 16, 3, 3]")
        }
    }

    @Test func escapesNamesLikeTheReference() {
        #expect(jsonString("a\"b\\c\nd\u{01}é/\u{7f}") == "\"a\\\"b\\\\c\\nd\\u0001é/\u{7f}\"")
    }

    @Test func savesAtomically() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try Self.tinyFile.write(to: url)
        var second = Self.tinyFile
        second.metadata["epoch"] = "2"
        try second.write(to: url)
        // The old file was replaced whole and no temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
        let back = try SafetensorsFile(contentsOf: url)
        #expect(back.metadata == ["format": "pt", "epoch": "2"])
        #expect(back.source == url.path)
    }

    @Test func readersNeverSeeAPartialFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("live.safetensors")
        let small = SafetensorsFile(tensors: ["w": Tensor(shape: [4], scalars: [1, 2, 3, 4])])
        let large = SafetensorsFile(tensors: ["w": Tensor(shape: [1 << 18], scalars: [Float](repeating: 7, count: 1 << 18))])
        try small.write(to: url)
        // A writer alternates a small and a 1 MiB file while readers keep loading: every read
        // must parse as one of the two.
        let results = try onThreads(3) { thread -> Int in
            var reads = 0
            for i in 0..<40 {
                if thread == 0 {
                    try (i.isMultiple(of: 2) ? large : small).write(to: url)
                } else {
                    let count = try SafetensorsFile(contentsOf: url).entry("w").count
                    #expect(count == 4 || count == 1 << 18)
                    reads += 1
                }
            }
            return reads
        }
        #expect(results[1] + results[2] == 80)
    }

    @Test func writeFailureNamesTheFile() {
        let url = URL(fileURLWithPath: "/nonexistent-funnel-dir/model.safetensors")
        do {
            try Self.tinyFile.write(to: url)
            Issue.record("write into a missing directory succeeded")
        } catch {
            guard case let .io(file, operation, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(file == url.path)
            #expect(operation.hasPrefix("create temporary file"))
        }
    }
}
