import Foundation
import FunnelModels
import FunnelNN

/// Parameters and FLOPs of the FReLU paper's ImageNet models, counted by Funnel at 224x224,
/// beside the figures the paper prints (REFERENCE §2).
///
/// FReLU at every ReLU counts more FLOPs than the paper prints for some models, so the variants
/// its figures may have used are counted too (the page says which comes closest).
public struct ComplexityTable: Codable, Sendable {
    /// One model configuration to count.
    public struct Configuration: Sendable {
        public let model: String
        public let act: String
        public let placement: Placement
        /// Shown after the activation, e.g. `3×3 slots`.
        public let note: String?

        public init(model: String, act: String, placement: Placement = .everywhere, note: String? = nil) {
            self.model = model
            self.act = act
            self.placement = placement
            self.note = note
        }
    }

    /// What the paper prints for one model and activation.
    public struct PaperFigure: Codable, Sendable, Hashable {
        public let model: String
        public let act: String
        public let parameters: Double
        public let flops: Double
        /// ImageNet top-1 error (%).
        public let top1Error: Double
        /// Parameters as the paper prints them (`25.5M`).
        public let printedParameters: String
        /// FLOPs as the paper prints them (`7.6G`).
        public let printedFlops: String

        init(model: String, act: String, parameters: String, flops: String, top1Error: Double) {
            self.model = model
            self.act = act
            self.parameters = Self.value(parameters)
            self.flops = Self.value(flops)
            self.top1Error = top1Error
            printedParameters = parameters
            printedFlops = flops
        }

        /// `25.5M` -> 25.5e6.
        static func value(_ text: String) -> Double {
            let scale: [Character: Double] = ["k": 1e3, "M": 1e6, "G": 1e9]
            guard let last = text.last, let factor = scale[last], let number = Double(text.dropLast()) else { return Double(text) ?? .nan }
            return number * factor
        }
    }

    /// The paper's Tables (ResNets and light-weight models on ImageNet), ReLU and FReLU rows.
    public static let paper: [PaperFigure] = [
        PaperFigure(model: "resnet50_imagenet", act: "relu", parameters: "25.5M", flops: "3.86G", top1Error: 24.0),
        PaperFigure(model: "resnet50_imagenet", act: "frelu", parameters: "25.5M", flops: "3.87G", top1Error: 22.4),
        PaperFigure(model: "resnet101_imagenet", act: "relu", parameters: "44.4M", flops: "7.6G", top1Error: 22.8),
        PaperFigure(model: "resnet101_imagenet", act: "frelu", parameters: "44.5M", flops: "7.6G", top1Error: 22.1),
        PaperFigure(model: "mobilenet_v1_0.75", act: "relu", parameters: "2.5M", flops: "325M", top1Error: 29.8),
        PaperFigure(model: "mobilenet_v1_0.75", act: "frelu", parameters: "2.5M", flops: "328M", top1Error: 28.5),
        PaperFigure(model: "shufflenet_v2_0.5x", act: "relu", parameters: "1.4M", flops: "41M", top1Error: 39.6),
        PaperFigure(model: "shufflenet_v2_0.5x", act: "frelu", parameters: "1.4M", flops: "45M", top1Error: 37.1),
    ]

    /// The paper's four models with ReLU and FReLU, plus the variants that may explain its FReLU
    /// figures: the ResNets with FReLU after the 3x3 convolutions only, and ShuffleNet with the
    /// light-weight FReLU (1x3 + 3x1) of the official code.
    public static let paperConfigurations: [Configuration] = paper.flatMap { figure -> [Configuration] in
        var out = [Configuration(model: figure.model, act: figure.act)]
        if figure.act == "frelu" && figure.model.hasPrefix("resnet") {
            out.append(Configuration(model: figure.model, act: "frelu", placement: Placement(slots: .after3x3), note: "3\u{00D7}3 slots"))
        }
        if figure.act == "frelu" && figure.model.hasPrefix("shufflenet") {
            out.append(Configuration(model: figure.model, act: "frelu_light"))
        }
        return out
    }

    /// One counted configuration.
    public struct Row: Codable, Sendable {
        public let configuration: Configuration
        public let parameters: Int
        public let flops: Int
        /// The paper's figure for the same model and activation (the default placement's).
        public let paper: PaperFigure?
    }

    public let rows: [Row]

    public init(rows: [Row]) {
        self.rows = rows
    }

    /// Builds and counts each configuration at its registry input size (one image).
    public static func measure(_ configurations: [Configuration] = paperConfigurations,
                               progress: (String) -> Void = { _ in }) throws -> ComplexityTable {
        let rows = try configurations.map { c -> Row in
            progress("counting \(c.model) with \(c.act)\(c.note.map { " (\($0))" } ?? "")")
            let entry = try Models.entry(c.model)
            let network = try DefaultRandom.seeded(0) {
                try Models.make(ModelConfig(name: c.model, classes: entry.defaultClasses, activation: Activations.factory(c.act), placement: c.placement))
            }
            network.setMode(.inference)
            let x = Tensor.zeros([1] + entry.input)
            let flops = OpCounter.count { _ = withoutGrad { network(x) } }
            let figure = paper.first { $0.model == c.model && $0.act == c.act }
            return Row(configuration: c, parameters: network.parameterCount, flops: flops, paper: figure)
        }
        return ComplexityTable(rows: rows)
    }
}

extension ComplexityTable.Configuration: Codable {
    private enum CodingKeys: String, CodingKey {
        case model, act, note, stages, slots, squeezeExcitation
    }

    // `Placement` is not Codable (FunnelModels knows nothing of reports): its three fields are
    // stored beside the model, stages sorted so that the file is deterministic.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let stages = try c.decodeIfPresent([Int].self, forKey: .stages)
        let placement = Placement(stages: stages.map(Set.init), slots: try c.decode(Placement.Slots.self, forKey: .slots),
                                  squeezeExcitation: try c.decode(Bool.self, forKey: .squeezeExcitation))
        self.init(model: try c.decode(String.self, forKey: .model), act: try c.decode(String.self, forKey: .act), placement: placement,
                  note: try c.decodeIfPresent(String.self, forKey: .note))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(act, forKey: .act)
        try c.encodeIfPresent(note, forKey: .note)
        try c.encodeIfPresent(placement.stages.map { $0.sorted() }, forKey: .stages)
        try c.encode(placement.slots, forKey: .slots)
        try c.encode(placement.squeezeExcitation, forKey: .squeezeExcitation)
    }
}
