import Foundation
import Testing
@testable import FunnelTrain

/// Damaged files must be refused with an error naming the file, the tensor and the numbers.
@Suite struct SafetensorsErrorTests {
    /// A file with the given header JSON (unpadded) and data section.
    func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
        encodeLittleEndian([UInt64(header.utf8.count)]) + Array(header.utf8) + data
    }

    func expectError(_ bytes: [UInt8], _ expected: CheckpointError, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: expected, sourceLocation: sourceLocation) { try SafetensorsFile(bytes: bytes, source: "bad.safetensors") }
    }

    @Test func tooShortForTheLengthPrefix() {
        expectError([1, 0, 0], .truncated(file: "bad.safetensors", size: 3))
        #expect(CheckpointError.truncated(file: "f", size: 3).description.contains("3 bytes"))
    }

    @Test func headerLengthBeyondFile() {
        let bytes = encodeLittleEndian([UInt64(100)]) + Array("{}".utf8)
        expectError(bytes, .headerBeyondFile(file: "bad.safetensors", headerLength: 100, fileSize: 10))
        // A huge length must not overflow into something that looks valid.
        expectError(encodeLittleEndian([UInt64.max]), .headerBeyondFile(file: "bad.safetensors", headerLength: .max, fileSize: 8))
    }

    @Test func headerIsNotJSON() {
        do {
            _ = try SafetensorsFile(bytes: file(#"{"a": {"dtype": "F32""#), source: "bad.safetensors")
            Issue.record("bad JSON accepted")
        } catch {
            guard case let .badHeader(name, reason) = error else { Issue.record("unexpected \(error)"); return }
            #expect(name == "bad.safetensors")
            #expect(reason.hasPrefix("invalid JSON"))
        }
        do {
            _ = try SafetensorsFile(bytes: file("[1, 2]"), source: "bad.safetensors")
            Issue.record("a JSON array accepted as header")
        } catch {
            guard case .badHeader = error else { Issue.record("unexpected \(error)"); return }
        }
    }

    @Test func entryWithWrongFieldTypes() {
        let fractional = file(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4.5]}}"#, data: [0, 0, 0, 0])
        expectError(fractional, .badEntry(file: "bad.safetensors", tensor: "w", reason: "field 'data_offsets[1]': expected an integer, found 4.5"))
        let text = file(#"{"w":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
        do {
            _ = try SafetensorsFile(bytes: text, source: "bad.safetensors")
            Issue.record("a string dimension accepted")
        } catch {
            guard case let .badEntry(name, tensor, reason) = error else { Issue.record("unexpected \(error)"); return }
            #expect(name == "bad.safetensors" && tensor == "w")
            #expect(reason.hasPrefix("field 'shape[0]': Expected to decode Int"))
        }
        let missing = file(#"{"w":{"dtype":"F32","shape":[1]}}"#, data: [0, 0, 0, 0])
        expectError(missing, .badEntry(file: "bad.safetensors", tensor: "w", reason: "missing field 'data_offsets'"))
        let negative = file(#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
        expectError(negative, .badEntry(file: "bad.safetensors", tensor: "w", reason: "negative dimension in shape [-1]"))
        let threeOffsets = file(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#, data: [0, 0, 0, 0])
        expectError(threeOffsets, .badEntry(file: "bad.safetensors", tensor: "w", reason: "data_offsets must be [begin, end], found [0, 4, 8]"))
    }

    @Test func unknownDType() {
        let bytes = file(#"{"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}"#, data: [0])
        expectError(bytes, .unknownDType(file: "bad.safetensors", tensor: "w", dtype: "F8_E4M3"))
        #expect(CheckpointError.unknownDType(file: "f", tensor: "w", dtype: "X").description.contains("known: BOOL, U8"))
    }

    @Test func truncatedData() {
        // The tiny reference file with its last 3 bytes cut off.
        let bytes = Array(SafetensorsTests.tinyFileBytes.dropLast(3))
        let expected = CheckpointError.offsetsOutOfRange(file: "bad.safetensors", tensor: "b", begin: 8, end: 16, dataSize: 13)
        expectError(bytes, expected)
        #expect(expected.description == "bad.safetensors: tensor 'b' data_offsets [8, 16] are outside the data section of 13 bytes (file truncated?)")
    }

    @Test func reversedOffsets() {
        let bytes = file(#"{"w":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0])
        expectError(bytes, .offsetsOutOfRange(file: "bad.safetensors", tensor: "w", begin: 4, end: 0, dataSize: 4))
    }

    @Test func overlappingTensors() {
        let bytes = file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                         data: [UInt8](repeating: 0, count: 8))
        expectError(bytes, .overlapping(file: "bad.safetensors", tensor: "b", other: "a"))
    }

    @Test func bytesOwnedByNoTensor() {
        let hole = file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: [UInt8](repeating: 0, count: 8))
        expectError(hole, .unclaimedBytes(file: "bad.safetensors", tensor: "a", begin: 0, end: 4))
        let tail = file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [UInt8](repeating: 0, count: 6))
        expectError(tail, .unclaimedBytes(file: "bad.safetensors", tensor: nil, begin: 4, end: 6))
    }

    @Test func sizeNotMatchingShape() {
        let bytes = file(#"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#, data: [UInt8](repeating: 0, count: 20))
        let expected = CheckpointError.sizeMismatch(file: "bad.safetensors", tensor: "w", dtype: .f32, shape: [2, 3], expectedBytes: 24, foundBytes: 20)
        expectError(bytes, expected)
        #expect(expected.description == "bad.safetensors: tensor 'w' of shape [2, 3] and dtype F32 needs 24 bytes, data_offsets span 20")
        // A shape whose element count overflows must not wrap around to a small size.
        let huge = file(#"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}"#)
        expectError(huge, .badEntry(file: "bad.safetensors", tensor: "w", reason: "shape [4611686018427387904, 4] is too large"))
    }

    @Test func missingFileNamesThePath() {
        let url = URL(fileURLWithPath: "/nonexistent-funnel-dir/none.safetensors")
        do {
            _ = try SafetensorsFile(contentsOf: url)
            Issue.record("reading a missing file succeeded")
        } catch {
            guard case let .io(file, operation, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(file == url.path && operation == "read")
        }
    }
}
