import Foundation
import Testing
import FunnelCharts
import FunnelModels
import FunnelNN
import FunnelTrain
import FunnelTestSupport
@testable import FunnelLab

/// Trained-model inspections on small models and a small synthetic dataset.
@Suite struct ReportInspectionTests {
    static func config(_ act: String) -> TrainConfig {
        var c = TrainConfig.study(model: "resnet20", act: act, data: "synthetic")
        c.syntheticTrain = 40
        c.syntheticTest = 20
        c.epochs = 1
        c.batchSize = 4
        return c
    }

    /// A ResNet-20 with `act` after one SGD step (so the checkpoint holds optimizer state too),
    /// saved where `funnel train` would put it; `prepare` may change weights before saving.
    static func checkpoint(_ act: String, in dir: URL, prepare: (Module) -> Void = { _ in }) throws -> (URL, Module) {
        let config = config(act)
        let model = try DefaultRandom.seeded(1) { try Trainer.makeModel(config, classes: 10) }
        let optimizer = SGD(model.namedParameters, learningRate: 0.01, momentum: 0.9)
        let x = DefaultRandom.seeded(2) { Tensor.normal([2, 3, 32, 32]) }
        model(x).crossEntropy(labels: [0, 1]).backward()
        optimizer.step()
        prepare(model)
        let url = dir.appendingPathComponent("resnet20-\(act)-s0/checkpoint.safetensors")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try TrainingCheckpoint(epoch: 1, config: config, model: model, optimizer: optimizer).save(to: url)
        return (url, model)
    }

    @Test func tracedForwardEqualsTheModelAndVisitsEveryActivation() throws {
        let frelu = try Activations.factory("frelu")
        let nets: [(String, ResNet)] = DefaultRandom.seeded(3) {
            [("basic", ResNet(config: ModelConfig(name: "t", classes: 3, activation: frelu), bottleneck: false, blocks: [2, 1, 1], widths: [4, 8, 8])),
             ("bottleneck", ResNet(config: ModelConfig(name: "t", classes: 3, activation: frelu, placement: Placement(squeezeExcitation: true)),
                                   bottleneck: true, blocks: [1, 1, 1], widths: [4, 4, 8])),
             ("imagenet", ResNet(config: ModelConfig(name: "t", classes: 3, activation: frelu), bottleneck: true, blocks: [1, 1, 1, 1],
                                 widths: [4, 4, 4, 4], stem: .imagenet))]
        }
        let x = DefaultRandom.seeded(4) { Tensor.normal([2, 3, 32, 32]) }
        for (name, net) in nets {
            net.setMode(.inference)
            var paths: [String] = []
            let traced = try withoutGrad { try ActivationTrace.forward(net, x) { path, module, input in
                paths.append(path)
                #expect(module is FReLU)
                #expect(input.rank == 4)
            } }
            #expect(traced.scalars == withoutGrad { net(x) }.scalars, "\(name): traced logits differ")
            let expected = net.namedModules.filter { $0.1 is FReLU }.map(\.0)
            #expect(paths == expected, "\(name)")
        }
        #expect(throws: ReportError.self) { try ActivationTrace.forward(Linear(2, 2), x) { _, _, _ in } }
    }

    @Test func sampleImagesTakeOneOfEachClassInTurn() {
        #expect(InspectionSample.pick(labels: [0, 1, 0, 2, 1, 2], classes: 3, count: 4) == [0, 1, 3, 2])
        #expect(InspectionSample.pick(labels: [1, 1], classes: 2, count: 5) == [0, 1])
    }

    @Test func funnelKernelsAreReadWithTheirBatchNormFolded() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (url, model) = try Self.checkpoint("frelu", in: dir) { model in
            for (_, m) in model.namedModules {
                guard let f = m as? FReLU, let bn = f.bnFrelu as? BatchNorm else { continue }
                bn.weight.assign(Tensor(shape: bn.weight.shape, scalars: (0..<bn.weight.count).map { Float($0 % 3) - 0.5 }))
                bn.runningVar.assign(Tensor(shape: bn.runningVar.shape, scalars: (0..<bn.runningVar.count).map { 0.5 + Float($0) }))
            }
        }
        let kernels = try FReLUKernels(file: SafetensorsFile(contentsOf: url))
        let frelus = model.namedModules.compactMap { path, m in (m as? FReLU).map { (path, $0) } }
        // Model order; the optimizer's momentum for conv_frelu.weight is not a layer.
        #expect(kernels.layers.map(\.path) == frelus.map(\.0))
        #expect(kernels.layers.count == 19 && kernels.layers.allSatisfy(\.foldedNorm))
        let (_, layer) = frelus[7]
        let bn = try #require(layer.bnFrelu as? BatchNorm)
        let w = layer.convFrelu!.weight.scalars.map(Double.init)
        let g = bn.weight.scalars.map(Double.init)
        let v = bn.runningVar.scalars.map(Double.init)
        let c = g.count
        for i in 0..<3 {
            for j in 0..<3 {
                var sum = 0.0
                for ch in 0..<c {
                    let scale: Double = g[ch] / (v[ch] + 1e-5).squareRoot()
                    sum += w[ch * 9 + i * 3 + j] * scale
                }
                expectClose(kernels.layers[7].mean[i][j], sum / Double(c), tolerance: 1e-12)
            }
        }
        let grid = kernels.channelGrid(channels: 4)
        let cells = grid.panels.compactMap { $0 as? HeatCells }
        #expect(cells.count == 12)
        #expect(cells.allSatisfy { abs(($0.values.joined().map(abs).max() ?? 0) - 1) < 1e-12 })
        #expect(kernels.meanKernelGrid().panels.map { ($0 as? HeatCells)?.caption } == frelus.map { ReportNames.shortLayer($0.0) })
    }

    @Test func conditionSharesAreWhereTheFReLUOutputExceedsItsInput() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (url, _) = try Self.checkpoint("frelu", in: dir)
        let sample = try InspectionSample.load(checkpoint: url, count: 4)
        #expect(sample.captions.count == 4 && Set(sample.captions).count == 4)
        let condition = try FReLUCondition(sample: sample)
        #expect(condition.layer == "layer1.0.act1")
        #expect(condition.shares.count == 19)
        // Independently: T(x) > x exactly where max(x, T(x)), from the fused kernel, exceeds x.
        var exceeding: [String: Double] = [:]
        _ = try withoutGrad {
            try ActivationTrace.forward(sample.model, sample.images) { path, module, x in
                let y = module(x).scalars, v = x.scalars
                exceeding[path] = Double(zip(y, v).filter { $0 > $1 }.count) / Double(v.count)
            }
        }
        for share in condition.shares {
            expectClose(share.share, exceeding[share.path]!, tolerance: 0.005, absolute: true)
        }
        #expect(condition.maps.count == 4 && condition.maps.allSatisfy { $0.count == 32 * 32 && $0.allSatisfy { (0...1).contains($0) } })
        let deeper = try FReLUCondition(sample: sample, layer: "layer3.0.act1")
        #expect(deeper.layerHeight == 8 && deeper.maps[0].count == 32 * 32)
        let layers = condition.shares.map(\.path).joined(separator: ", ")
        #expect(throws: ReportError.noSuchLayer("no FReLU layer 'fc'; FReLU layers: \(layers)")) {
            try FReLUCondition(sample: sample, layer: "fc")
        }
        #expect(throws: ReportError.noSuchLayer("no FReLU layer 'layer3.0.act' (did you mean 'layer3.0.act1'?); FReLU layers: \(layers)")) {
            try FReLUCondition(sample: sample, layer: "layer3.0.act")
        }
        #expect(XMLCheck.parses(condition.overlays().svg()) && XMLCheck.parses(condition.fractionTiles().svg()))
    }

    @Test func dyReLUAtInitialisationIsStaticAndMovesOnceItsHyperFunctionDoes() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Freshly made, fc2 is zero: every image gets a¹ = 1 and the rest 0, a ReLU.
        let fresh = try InspectionSample.load(checkpoint: try Self.checkpoint("dyrelu_b", in: dir) { model in
            for (_, m) in model.namedModules { if let d = m as? DyReLU { d.fc2.weight.assign(Tensor.zeros(d.fc2.weight.shape)); d.fc2.bias!.assign(Tensor.zeros(d.fc2.bias!.shape)) } }
        }.0, count: 6)
        let still = try DyReLUInspection(sample: fresh, drawnImages: 3, pointsPerImage: 20)
        #expect(still.blocks.map(\.path) == ["act1"] + (1...3).flatMap { s in (0..<3).map { "layer\(s).\($0).act2" } })
        #expect(still.blocks.allSatisfy { $0.slopeSpread.allSatisfy { $0 == 0 } && $0.interceptSpread.allSatisfy { $0 == 0 } })
        #expect(still.blocks.allSatisfy { $0.points.count == 3 && $0.points.allSatisfy { $0.allSatisfy { p in abs(p.y - max(p.x, 0)) < 1e-6 } } })
        // A hyper function that reads the input: coefficients differ between images.
        let moving = try InspectionSample.load(checkpoint: try Self.checkpoint("dyrelu_b", in: dir) { model in
            DefaultRandom.seeded(5) {
                for (_, m) in model.namedModules { if let d = m as? DyReLU { d.fc2.weight.assign(Tensor.normal(d.fc2.weight.shape, std: 0.5)) } }
            }
        }.0, count: 6)
        let dynamic = try DyReLUInspection(sample: moving, drawnImages: 3, pointsPerImage: 20)
        #expect(dynamic.blocks.allSatisfy { $0.slopeSpread[0] > 0 })
        #expect(dynamic.table().rows.count == 10)
        #expect(dynamic.chart().panels.count == 10)
        // One image has no spread to measure: an error, not spreads of 0 that read as a static layer.
        let one = InspectionSample(config: moving.config, model: moving.model, images: Tensor(shape: [1, 3, 32, 32], scalars: Array(moving.images.scalars.prefix(3 * 32 * 32))),
                                   pictures: Array(moving.pictures.prefix(1)), captions: Array(moving.captions.prefix(1)))
        #expect(throws: ReportError.tooFewImages("how DY-ReLU's coefficients vary between images needs at least 2 test images; the sample has 1")) {
            try DyReLUInspection(sample: one, drawnImages: 3, pointsPerImage: 20)
        }
    }

    @Test func theReportLooksInsideFReLUAndDyReLUWhenTheirCheckpointsExist() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let frelu = try Self.checkpoint("frelu", in: dir).0
        let dyrelu = try Self.checkpoint("dyrelu_b", in: dir).0
        try ReportFixture.store([
            ReportFixture.Run(act: "relu", seed: 0, top1: [30, 40], loss: [2, 1.5]),
            ReportFixture.Run(act: "frelu", seed: 0, top1: [35, 45], loss: [1.9, 1.4]),
            ReportFixture.Run(act: "dyrelu_b", seed: 0, top1: [32, 41], loss: [2.1, 1.6]),
        ], in: dir, checkpoints: ["resnet20-frelu-s0": frelu, "resnet20-dyrelu_b-s0": dyrelu]) { run in
            var c = Self.config(run.act)
            c.epochs = 2
            return c
        }
        var options = StudyAnalysis.Options()
        options.imagenetComplexity = false
        options.sampleImages = 4
        options.dynamicImages = 8
        options.attackImages = 4
        let report = StudyReport(analysis: try StudyAnalysis(data: try ReportData.load(runDirectory: dir), options: options))
        #expect(report.page.sections.map(\.title).contains("Inside FReLU"))
        // Only FReLU and DY-ReLU have checkpoints here: those two are attacked.
        let robustness = try #require(report.page.sections.first { $0.title == "Robustness" })
        #expect(robustness.blocks.contains { if case .table(let t) = $0 { return t.rows.count == 2 } else { return false } })
        #expect(report.page.sections.map(\.title).contains("Inside DY-ReLU"))
        #expect(report.omissions == ["ImageNet models' parameters and FLOPs: not counted (turned off)."])
        #expect(report.figures.map(\.name).filter { $0.contains("frelu") || $0.contains("dyrelu") }.count == 6)
        let html = report.page.html()
        #expect(XMLCheck.parses(html))
        #expect(!html.contains("http:") && !html.contains("https:") && !html.contains("src="))
        // Sample images are embedded, not linked.
        #expect(html.contains("href=\"data:image/png;base64,"))
        // A misspelt `--frelu-layer` is an error naming it, not a report with the section left out.
        options.freluLayer = "layer1.0.act"
        #expect(throws: ReportError.self) { try StudyAnalysis(data: try ReportData.load(runDirectory: dir), options: options) }
        do {
            _ = try StudyAnalysis(data: try ReportData.load(runDirectory: dir), options: options)
        } catch let ReportError.noSuchLayer(why) {
            #expect(why.hasPrefix("no FReLU layer 'layer1.0.act' (did you mean 'layer1.0.act1'?); FReLU layers: act1, layer1.0.act1, "))
        }
    }
}
