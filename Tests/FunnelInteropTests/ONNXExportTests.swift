import Foundation
import Testing
import FunnelData
import FunnelInterop
import FunnelModels
import FunnelNN
import FunnelTestSupport
import FunnelTrain

/// ONNX export checked by onnx's full checker and onnxruntime (CPU) against Funnel's own forward
/// pass in inference mode, on the same seeded batch: for every registered activation (by every
/// name and every listed choice of its options) on ResNet-20, and for every registered model with
/// ReLU and with FReLU; each with batch norms as BatchNormalization nodes and folded.
///
/// Error measure: `max |onnxruntime - funnel| / max |funnel|` over all logits of the batch,
/// at most 1e-4.
@Suite struct ONNXExportTests {
    static let tolerance = 1e-4
    static let needsPython: Comment = "needs the tests' Python with onnx and onnxruntime ($FUNNEL_TEST_PYTHON, made by scripts/python-env.sh)"

    /// Every registered activation by its name and aliases, and each value of each option that the
    /// registry lists as a choice (`a|b|c`); then numeric options away from their defaults, which
    /// the registry describes only in words.
    static var activationSpecs: [String] {
        var specs: [String] = []
        for entry in Activations.all {
            specs += [entry.name] + entry.aliases
            for option in entry.options where option.values.contains("|") {
                specs += option.values.split(separator: "|").map { "\(entry.name):\(option.name)=\($0)" }
            }
        }
        specs += ["leaky_relu:a=0.2", "elu:alpha=0.5", "swish:beta=1.7", "swish:beta=7", "prelu:shared,init=-0.3",
                  "frelu:k=5,fused=false", "frelu:norm=gn,groups=4", "frelu_light:norm=none",
                  "dyrelu:k=3,r=2", "dyrelu:lambda_a=0.5,lambda_b=1", "dyrelu_a:k=1", "dyrelu_c:gamma=5,tau=2"]
        var seen = Set<String>()
        return specs.filter { seen.insert($0).inserted }
    }

    /// A registered model with `act`, seeded, with state worth checking (see `randomizeState`).
    static func model(_ name: String, act: String) throws -> Module {
        let entry = try Models.entry(name)
        let model = try DefaultRandom.seeded(3) {
            try Models.make(ModelConfig(name: name, classes: entry.defaultClasses, activation: Activations.factory(act)))
        }
        ONNXRuntimeCheck.randomizeState(model, input: entry.input)
        return model
    }

    @Test(.enabled(if: TestServices.runPython, needsPython))
    func everyRegisteredActivationOnResNet20MatchesOnnxRuntime() throws {
        let check = try ONNXRuntimeCheck()
        for spec in Self.activationSpecs { try check.add(spec, Self.model("resnet20", act: spec), input: [3, 32, 32]) }
        let outcomes = try check.run()
        Self.expectMatches(outcomes, cases: Self.activationSpecs.flatMap { [$0, "\($0)+fold"] })
        for spec in Self.activationSpecs {
            #expect(outcomes["\(spec)+fold"]?.opTypes["BatchNormalization"] == nil, "\(spec): folded graph keeps a batch norm")
        }
    }

    @Test(.enabled(if: TestServices.runPython, needsPython), arguments: Models.names(for: .classify))
    func everyModelWithReLUAndFReLUMatchesOnnxRuntime(_ name: String) throws {
        let check = try ONNXRuntimeCheck()
        let input = try Models.entry(name).input
        var freluLayers = 0
        for act in ["relu", "frelu"] {
            let model = try Self.model(name, act: act)
            if act == "frelu" { freluLayers = model.namedModules.filter { $0.1 is FReLU }.count }
            try check.add("\(name)-\(act)", model, input: input)
        }
        let outcomes = try check.run()
        Self.expectMatches(outcomes, cases: ["relu", "frelu"].flatMap { ["\(name)-\($0)", "\(name)-\($0)+fold"] })

        // FReLU really is a depthwise Conv whose input is x, its BatchNormalization, and Max(x, ·);
        // folded, the Conv feeds the Max directly and no batch norm is left anywhere.
        #expect(freluLayers > 0)
        #expect(outcomes["\(name)-frelu"]?.funnels == freluLayers)
        #expect(outcomes["\(name)-frelu+fold"]?.foldedFunnels == freluLayers)
        #expect(outcomes["\(name)-relu"]?.funnels == 0)
        for folded in ["\(name)-relu+fold", "\(name)-frelu+fold"] {
            #expect(outcomes[folded]?.opTypes["BatchNormalization"] == nil, "\(folded) keeps a batch norm")
        }
    }

    /// `funnel export`'s path: a training checkpoint, restored without its data set (classes from
    /// the classifier, or the input record's size and classes), exported and run; with DY-ReLU-C in
    /// two stages (ReLU elsewhere) and squeeze-and-excitation blocks.
    @Test(.enabled(if: TestServices.runPython, needsPython))
    func checkpointExportMatchesTheRestoredModel() throws {
        let check = try ONNXRuntimeCheck()
        var config = TrainConfig()
        config.model = "resnet20"
        config.act = "dyrelu_c"
        config.stages = [2, 3]
        config.squeezeExcitation = true
        let record = ModelInput(height: 24, width: 24, normalization: Normalization(mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]),
                                classes: (0..<5).map { "class \($0)" })
        for (label, classes, input) in [("classifier", 7, nil), ("record", 5, record)] as [(String, Int, ModelInput?)] {
            let trained = try Trainer.makeModel(config, classes: classes)
            ONNXRuntimeCheck.randomizeState(trained, input: [3, input?.height ?? 32, input?.width ?? 32])
            let optimizer = SGD(trained.namedParameters, learningRate: 0.1, momentum: 0.9)
            let url = check.directory.appendingPathComponent("\(label).safetensors")
            try TrainingCheckpoint(epoch: 3, config: config, input: input, model: trained, optimizer: optimizer).save(to: url)

            let onnx = check.directory.appendingPathComponent("\(label).onnx")
            let restored = try ONNXExport.write(checkpoint: url, to: onnx, options: ONNXExportOptions(foldBatchNorm: true))
            #expect(restored.input == [3, input?.height ?? 32, input?.width ?? 32])
            let x = DefaultRandom.seeded(5) { Tensor.normal([2] + restored.input) }
            let logits = withoutGrad { restored.model(x) }
            #expect(logits.shape == [2, classes])
            try check.add(label, onnx: onnx, x: x, logits: logits)
        }
        Self.expectMatches(try check.run(), cases: ["classifier", "record"])
    }

    /// The newest opset Funnel writes passes the same checks.
    @Test(.enabled(if: TestServices.runPython, needsPython))
    func highestSupportedOpsetMatchesOnnxRuntime() throws {
        let check = try ONNXRuntimeCheck()
        let opset = ONNXExportOptions.supportedOpsets.upperBound
        try check.add("opset\(opset)", Self.model("resnet20", act: "dyrelu_c"), input: [3, 32, 32], opset: opset)
        try check.add("opset\(opset)-frelu-gn", Self.model("resnet20", act: "frelu:norm=gn"), input: [3, 32, 32], opset: opset)
        Self.expectMatches(try check.run(), cases: ["opset\(opset)", "opset\(opset)+fold", "opset\(opset)-frelu-gn", "opset\(opset)-frelu-gn+fold"])
    }

    @Test func aLayerWithoutLoweringIsAnErrorNamingIt() throws {
        final class Unknown: Module {
            override func forward(_ x: Tensor) -> Tensor { x }
        }
        let model = Sequential(Conv2d(3, 4, kernel: 3), Sequential(BatchNorm(4), Unknown()))
        #expect(throws: ONNXExportError.unsupportedLayer(path: "1.1", type: "Unknown")) {
            try ONNXExport.proto(of: model, input: [3, 8, 8])
        }
        let custom = Sequential(Pointwise("cube", { $0 * $0 * $0 }))
        #expect(throws: ONNXExportError.unsupportedConfiguration(path: "0", type: "Pointwise", problem: "pointwise activation 'cube' has no ONNX lowering")) {
            try ONNXExport.proto(of: custom, input: [3, 8, 8])
        }
        #expect(throws: ONNXExportError.unsupportedOpset(16, supported: ONNXExportOptions.supportedOpsets)) {
            try ONNXExport.proto(of: custom, input: [3, 8, 8], options: ONNXExportOptions(opset: 16))
        }
    }

    @Test func shapesThatDoNotFitAreAnErrorNamingTheLayer() throws {
        let model = Sequential(Conv2d(3, 4, kernel: 3), Linear(4, 2))
        #expect(throws: ONNXExportError.shapeMismatch(path: "1", problem: "Gemm of [N, 4, 8, 8] by weight [2, 4] (transposed)")) {
            try ONNXExport.proto(of: model, input: [3, 8, 8])
        }
        #expect(throws: ONNXExportError.shapeMismatch(path: "input", problem: "the input must be [C, H, W] of one image, got [1, 3, 8, 8]")) {
            try ONNXExport.proto(of: model, input: [1, 3, 8, 8])
        }
    }

    /// Every case ran, and its logits are within the tolerance; prints each error for the record.
    static func expectMatches(_ outcomes: [String: ONNXRuntimeCheck.Outcome], cases: [String]) {
        for name in cases {
            guard let outcome = outcomes[name] else { Issue.record("\(name): not checked"); continue }
            #expect(outcome.error == nil, "\(name): \(outcome.error ?? "")")
            if let error = outcome.relativeError {
                print(String(format: "onnx %@: max relative error %.2e", name, error))
                #expect(error <= tolerance, "\(name): max |onnxruntime - funnel| / max |funnel| = \(error)")
            }
        }
    }
}


