import Testing
import FunnelNN
import FunnelTestSupport
@testable import FunnelModels

@Suite struct SegmenterTests {
    func make(_ name: String, act: String = "relu", dilated: Bool = false, classes: Int = 5) throws -> Module {
        try DefaultRandom.seeded(0) {
            try Models.make(ModelConfig(name: name, classes: classes, activation: Activations.factory(act), task: .segment, dilated: dilated))
        }
    }

    @Test(arguments: ["relu", "frelu"])
    func scoresComeOutAtTheInputsSize(act: String) throws {
        let model = try make("resnet20", act: act)
        let y = model(randn([2, 3, 24, 20], seed: 1))
        #expect(y.shape == [2, 5, 24, 20])
        let names = model.namedParameters.map(\.0)
        #expect(names.contains("backbone.conv1.weight") && names.contains("backbone.layer3.2.conv2.weight"))
        #expect(names.contains("head.stages.0.conv.weight") && names.contains("head.bottleneck.0.weight") && names.contains("head.classifier.bias"))
        #expect(!names.contains { $0.hasPrefix("backbone.linear") })
    }

    @Test func dilationKeepsTheLastStagesResolutionAndTheNames() throws {
        let plain = try make("resnet20") as! Segmenter, dilated = try make("resnet20", dilated: true) as! Segmenter
        let x = randn([2, 3, 16, 16], seed: 2)
        #expect(plain.backbone(x).shape == [2, 64, 4, 4])
        #expect(dilated.backbone(x).shape == [2, 64, 8, 8])
        #expect(plain.namedParameters.map(\.1.shape) == dilated.namedParameters.map(\.1.shape))
        #expect(plain.namedParameters.map(\.0) == dilated.namedParameters.map(\.0))
        let conv = dilated.backbone.layer3.layers[1] as! BasicBlock
        #expect(conv.conv1.dilation == (2, 2) && (dilated.backbone.layer3.layers[0] as! BasicBlock).conv1.stride == (1, 1))
    }

    @Test func thePixelClassifierSeesNoNeighbour() throws {
        let model = try make("pixel_mlp", act: "frelu")
        model.setMode(.inference)
        let x = randn([1, 3, 5, 5], seed: 3)
        var changed = x.scalars
        changed[0 * 25 + 2 * 5 + 3] += 5 // channel 0 of pixel (2, 3)
        let a = withoutGrad { model(x).scalars }, b = withoutGrad { model(Tensor(shape: x.shape, scalars: changed)).scalars }
        for k in 0..<5 {
            for p in 0..<25 { #expect((a[k * 25 + p] == b[k * 25 + p]) == (p != 13), "class \(k) pixel \(p)") }
        }
    }

    @Test func modelsThatCannotSegmentSaySo() {
        #expect(throws: ModelError.self) { try make("resnet50_imagenet") }
        #expect(Models.names(for: .segment).contains("pixel_mlp") && !Models.names(for: .classify).contains("pixel_mlp"))
        do { _ = try make("mobilenet_v1_0.75") } catch {
            #expect("\(error)".contains("cannot segment; models that can: resnet20"))
        }
    }

    @Test func segmenterGradientsReachEveryParameter() throws {
        let model = try make("resnet20", classes: 3)
        let x = randn([2, 3, 8, 8], seed: 4)
        let loss = model(x).pixelCrossEntropy(labels: (0..<128).map { $0 % 3 })
        loss.backward()
        for (name, p) in model.namedParameters { #expect(p.grad != nil, "\(name)") }
    }
}
