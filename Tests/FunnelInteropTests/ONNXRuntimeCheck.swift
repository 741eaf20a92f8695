import Foundation
import FunnelInterop
import FunnelModels
import FunnelNN
import FunnelTestSupport

/// Exports models into a scratch folder with the logits Funnel computes for one batch, then has
/// onnx and onnxruntime (the tests' Python, `TestServices.python`) check them all in one run.
/// Swift and Python exchange raw little-endian float32 files and a JSON manifest.
final class ONNXRuntimeCheck {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-onnx-\(UUID().uuidString.prefix(8))")
    private var cases: [[String: Any]] = []

    init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: directory) }

    /// What Python found for one exported model.
    struct Outcome: Decodable {
        /// `max |onnxruntime - funnel| / max |funnel|` over the batch's logits.
        let relativeError: Double?
        /// The checker's or the runtime's complaint, if any.
        let error: String?
        /// How many nodes of each op type the graph has.
        let opTypes: [String: Int]
        /// FReLU patterns found: `Max(x, BatchNormalization(Conv_depthwise(x)))` and, folded, `Max(x, Conv_depthwise(x))`.
        let funnels: Int
        let foldedFunnels: Int
    }

    /// Exports `model` (put in inference mode) under `name` and records Funnel's logits for a
    /// seeded random batch of `batch` images of `input` = `[C, H, W]`, for one or both BN treatments.
    /// - Returns: the names of the cases added (`name` and `name+fold`).
    @discardableResult
    func add(_ name: String, _ model: Module, input: [Int], batch: Int = 2, folds: [Bool] = [false, true], opset: Int = 17) throws -> [String] {
        model.setMode(.inference)
        let x = DefaultRandom.seeded(7) { Tensor.normal([batch] + input) }
        let logits = withoutGrad { model(x) }
        let (inputFile, logitsFile) = try write(x, logits, for: name)
        return try folds.map { fold in
            let caseName = fold ? "\(name)+fold" : name
            let onnx = file(caseName, "onnx")
            try ONNXExport.write(model, input: input, to: onnx, options: ONNXExportOptions(opset: opset, foldBatchNorm: fold))
            cases.append(["name": caseName, "onnx": onnx.path, "input": inputFile.path, "shape": [batch] + input,
                          "expected": logitsFile.path, "expected_shape": logits.shape])
            return caseName
        }
    }

    /// Records an ONNX file written elsewhere (by a checkpoint export) with Funnel's logits for `x`.
    func add(_ name: String, onnx: URL, x: Tensor, logits: Tensor) throws {
        let (inputFile, logitsFile) = try write(x, logits, for: name)
        cases.append(["name": name, "onnx": onnx.path, "input": inputFile.path, "shape": x.shape,
                      "expected": logitsFile.path, "expected_shape": logits.shape])
    }

    /// Runs every case added through `onnx.checker.check_model(full_check=True)` and onnxruntime (CPU).
    func run() throws -> [String: Outcome] {
        let manifest = directory.appendingPathComponent("manifest.json")
        try JSONSerialization.data(withJSONObject: cases).write(to: manifest)
        let result = try TestServices.python(Self.script, [manifest.path])
        guard result.status == 0 else { throw CheckFailed(description: "python exited \(result.status): \(result.stderr)") }
        return try JSONDecoder().decode([String: Outcome].self, from: Data(result.stdout.utf8))
    }

    struct CheckFailed: Error, CustomStringConvertible { let description: String }

    /// Gives a model state worth checking, the same for every run: parameters that start constant
    /// (DY-ReLU's zero fc2, PReLU's 0.25, Swish's β, norms' ones and zeros) and FReLU's condition
    /// (std 0.01, so that FReLU starts as ReLU) get spread values, so that every branch of every
    /// formula is exercised; batch norms get affine parameters away from the identity and running
    /// statistics measured on a batch of `input` = `[C, H, W]` images, then moved a little.
    /// Measured statistics keep a deep network's activations in range as training would
    /// (arbitrary ones overflow ResNet-101's logits).
    static func randomizeState(_ model: Module, input: [Int], seed: UInt64 = 11) {
        DefaultRandom.seeded(seed) {
            let norms = model.namedModules.compactMap { $0.1 as? BatchNorm }
            let normParameters = Set(norms.flatMap { [ObjectIdentifier($0.weight), ObjectIdentifier($0.bias)] })
            for (_, p) in model.namedParameters where !normParameters.contains(ObjectIdentifier(p)) {
                let values = p.scalars
                if values.allSatisfy({ $0 == values[0] }) { p.assign(Tensor.normal(p.shape, mean: values[0], std: 0.3)) }
            }
            for frelu in model.namedModules.compactMap({ $0.1 as? FReLU }) {
                for conv in [frelu.convFrelu, frelu.convFrelu1, frelu.convFrelu2].compactMap({ $0 }) {
                    conv.weight.assign(Tensor.normal(conv.weight.shape, std: 0.3))
                }
            }
            for bn in norms {
                let c = bn.weight.count
                bn.weight.assign(Tensor.uniform([c], low: 0.5, high: 1.5))
                bn.bias.assign(Tensor.normal([c], std: 0.2))
                bn.runningMean.assign(Tensor.zeros([c]))
                bn.runningVar.assign(Tensor.zeros([c]))
            }
            // Residual branches end in a small scale, as trained ResNets' do (and zero-γ initialisation,
            // Goyal et al. 2017): with full-size branches 33 bottlenecks amplify float rounding a
            // thousandfold, past the tolerance, whatever computes them.
            for module in model.namedModules.map(\.1) {
                let last = (module as? BasicBlock)?.bn2 ?? (module as? Bottleneck)?.bn3
                if let last { last.weight.assign(Tensor.uniform([last.weight.count], low: 0.1, high: 0.3)) }
            }
            // From zero, one training-mode pass leaves `momentum` times the batch statistics.
            model.setMode(.training)
            _ = withoutGrad { model(Tensor.normal([4] + input)) }
            model.setMode(.inference)
            for bn in norms {
                let c = bn.weight.count
                let measured = bn.runningVar.scalars.map { $0 / bn.momentum }
                // A channel the few images leave nearly constant would be scaled up hundreds of times by
                // 1/sqrt(var + eps), making float rounding visible in the logits: keep a floor.
                let floor = measured.reduce(0, +) / Float(c) / 10
                let variance = measured.map { Swift.max($0, floor) }
                let shift = Tensor.normal([c], std: 0.1).scalars
                bn.runningMean.assign(Tensor(shape: [c], scalars: zip(bn.runningMean.scalars, zip(shift, variance)).map { $0 / bn.momentum + $1.0 * $1.1.squareRoot() }))
                bn.runningVar.assign(Tensor(shape: [c], scalars: zip(variance, Tensor.uniform([c], low: 0.8, high: 1.25).scalars).map(*)))
            }
        }
    }

    /// Writes the batch and Funnel's logits as raw little-endian float32.
    private func write(_ x: Tensor, _ logits: Tensor, for name: String) throws -> (input: URL, logits: URL) {
        let urls = (file(name, "input.f32"), file(name, "logits.f32"))
        for (tensor, url) in [(x, urls.0), (logits, urls.1)] {
            try tensor.scalars.map(\.bitPattern.littleEndian).withUnsafeBytes { Data($0) }.write(to: url)
        }
        return urls
    }

    /// A file for a case; specs such as `frelu:window=max(1x3,3x1)` become safe file names.
    private func file(_ name: String, _ suffix: String) -> URL {
        directory.appendingPathComponent(String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }) + "-\(name.hashValue & 0xFFFFFF).\(suffix)")
    }

    /// argv[1]: the manifest. Prints one JSON object, an outcome per case; a failing case reports
    /// its error instead of stopping the others.
    static let script = #"""
import json, sys
import numpy as np
import onnx
import onnxruntime as ort

def attribute(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default

def funnel_patterns(graph):
    producer = {o: n for n in graph.node for o in n.output}
    weights = {t.name: t for t in graph.initializer}
    def depthwise_conv_of(name, x):
        conv = producer.get(name)
        if conv is None or conv.op_type != "Conv" or conv.input[0] != x:
            return False
        w = weights.get(conv.input[1])
        return w is not None and w.dims[1] == 1 and attribute(conv, "group", 1) == w.dims[0] > 1
    funnels = folded = 0
    for node in graph.node:
        if node.op_type != "Max" or len(node.input) != 2:
            continue
        for x, t in (node.input, node.input[::-1]):
            bn = producer.get(t)
            if bn is not None and bn.op_type == "BatchNormalization" and depthwise_conv_of(bn.input[0], x):
                funnels += 1
            elif depthwise_conv_of(t, x):
                folded += 1
    return funnels, folded

options = ort.SessionOptions()
options.intra_op_num_threads = 1
results = {}
for case in json.load(open(sys.argv[1])):
    out = {"relativeError": None, "error": None, "opTypes": {}, "funnels": 0, "foldedFunnels": 0}
    try:
        model = onnx.load(case["onnx"])
        for node in model.graph.node:
            out["opTypes"][node.op_type] = out["opTypes"].get(node.op_type, 0) + 1
        out["funnels"], out["foldedFunnels"] = funnel_patterns(model.graph)
        onnx.checker.check_model(model, full_check=True)
        session = ort.InferenceSession(case["onnx"], options, providers=["CPUExecutionProvider"])
        x = np.fromfile(case["input"], dtype="<f4").reshape(case["shape"])
        (y,) = session.run(["logits"], {"input": x})
        expected = np.fromfile(case["expected"], dtype="<f4").reshape(case["expected_shape"])
        if y.shape != expected.shape:
            raise ValueError(f"logits {y.shape}, Funnel's {expected.shape}")
        error = float(np.max(np.abs(y - expected)) / np.max(np.abs(expected)))
        if not np.isfinite(error):
            raise ValueError("non-finite logits")
        out["relativeError"] = error
    except Exception as e:
        out["error"] = f"{type(e).__name__}: {e}"
    results[case["name"]] = out
print(json.dumps(results))
"""#
}
