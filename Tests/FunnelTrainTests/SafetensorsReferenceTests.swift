import Foundation
import Testing
import FunnelTensor
import FunnelTestSupport
@testable import FunnelTrain

/// The Python these tests run: the tests' environment (`TestServices.python`, whose requirements
/// include numpy and safetensors), else a python3 on PATH that can import both.
let referencePython: String? = {
    if let python = TestServices.python { return python }
    guard let python = findExecutable("python3"),
          (try? ChildProcess.run(python, ["-c", "import numpy, safetensors"]).status) == 0 else { return nil }
    return python
}()

/// Interoperation with the reference implementation (Python `safetensors`, what PyTorch uses).
/// Runs where that Python is found, and always under `CI=true`, where a missing one fails the tests
/// (before, they looked only for python3 on PATH and skipped in CI); the hand-built bytes in
/// `SafetensorsTests` cover the format everywhere else.
@Suite(.enabled(if: referencePython != nil || TestServices.isCI, "needs the tests' Python environment or python3 with numpy and safetensors"))
struct SafetensorsReferenceTests {
    static var python: String {
        get throws { try TestServices.require(referencePython, "Python with numpy and safetensors ($FUNNEL_TEST_PYTHON, from scripts/python-env.sh)") }
    }

    /// Writes a checkpoint-like file with every dtype Funnel reads, through the reference writer.
    static let writer = #"""
        import sys, numpy as np
        from safetensors import serialize_file
        try:
            from safetensors import TensorSpec
            spec = lambda dtype, a: TensorSpec(dtype=dtype, shape=a.shape, data_ptr=a.ctypes.data, data_len=a.nbytes)
        except ImportError:  # safetensors before 0.7 takes plain dicts
            spec = lambda dtype, a: {"dtype": dtype, "shape": list(a.shape), "data": a.tobytes()}
        arrays = {
            "layer1.0.conv1.weight": np.arange(16 * 3 * 3 * 3, dtype=np.float32).reshape(16, 3, 3, 3) / np.float32(7) - np.float32(10),
            "bn1.num_batches_tracked": np.array(391, dtype=np.int64),
            "half": np.array([1, -2, 65504, 2.0 ** -24, np.inf, 0.5], dtype=np.float16),
            "double": np.array([[0.1, -1e10], [3.5, 1 / 3]], dtype=np.float64),
            "y": np.array([3, 1, 4, 1, 5, 9, 2, 6], dtype=np.int64),
            "i32": np.array([-7, 2 ** 31 - 1], dtype=np.int32),
            "pixels": np.array([[0, 255], [7, 128]], dtype=np.uint8),
            "mask": np.array([True, False, True]),
        }
        specs = {name: spec(a.dtype.name, a) for name, a in arrays.items()}
        bf16 = np.array([0x3F80, 0xC040, 0x7F80], dtype=np.uint16)  # 1, -3, inf as bfloat16 bits
        specs["bf16"] = spec("bfloat16", bf16)
        serialize_file(specs, sys.argv[1], metadata={"format": "pt"})
        """#

    /// Loads a file written by Funnel and checks its values against those given on the command line.
    static let reader = #"""
        import sys, numpy as np
        from safetensors.numpy import load_file
        t = load_file(sys.argv[1])
        w = t["layer1.0.conv1.weight"]
        assert w.dtype == np.float32 and w.shape == (16, 3, 3, 3), (w.dtype, w.shape)
        assert (w.reshape(-1) == np.arange(432, dtype=np.float32) * np.float32(0.25) - np.float32(50)).all()
        n = t["bn1.num_batches_tracked"]
        assert n.dtype == np.int64 and n.shape == () and int(n) == 391, n
        assert t["y"].tolist() == [3, 1, 4], t["y"]
        print("ok")
        """#

    @Test func readsTheReferenceWritersFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("reference.safetensors")
        let result = try ChildProcess.run(try Self.python, ["-c", Self.writer, url.path])
        try #require(result.status == 0, "python writer failed: \(result.stderr)")

        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.metadata == ["format": "pt"])
        let expected = (0..<432).map { Float($0) / 7 - 10 }
        #expect(try file.tensor("layer1.0.conv1.weight", shape: [16, 3, 3, 3]).scalars == expected)
        #expect(try file.integer("bn1.num_batches_tracked") == 391)
        #expect(try file.entry("bn1.num_batches_tracked").shape == [])
        #expect(try file.tensor("half").scalars == [1, -2, 65504, 0x1p-24, .infinity, 0.5])
        #expect(try file.tensor("double").scalars == [0.1, -1e10, 3.5, 1.0 / 3].map { Float($0) })
        #expect(try file.tensor("bf16").scalars == [1, -3, .infinity])
        #expect(try file.integers("y") == [3, 1, 4, 1, 5, 9, 2, 6])
        #expect(try file.integers("i32") == [-7, 2_147_483_647])
        #expect(try file.integers("pixels") == [0, 255, 7, 128])
        #expect(try file.integers("mask") == [1, 0, 1])

        // Written back, the same contents give the reference writer's bytes exactly.
        let original = [UInt8](try Data(contentsOf: url))
        #expect(file.serialized() == original)
    }

    @Test func referenceReaderLoadsFunnelsFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("funnel.safetensors")
        var file = SafetensorsFile(tensors: [
            "layer1.0.conv1.weight": Tensor(shape: [16, 3, 3, 3], scalars: (0..<432).map { Float($0) * 0.25 - 50 }),
        ])
        file.entries["bn1.num_batches_tracked"] = SafetensorsEntry(int64: [391], shape: [])
        file.entries["y"] = SafetensorsEntry(int64: [3, 1, 4], shape: [3])
        try file.write(to: url)
        let result = try ChildProcess.run(try Self.python, ["-c", Self.reader, url.path])
        #expect(result.status == 0, "python reader failed: \(result.stderr)")
        #expect(result.stdout == "ok\n")
    }
}
