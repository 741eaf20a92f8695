import Foundation
import FunnelCharts
import FunnelModels
import FunnelNN

/// Parameters and FLOPs of the FReLU paper's ImageNet models, counted by Funnel at 224x224,
/// beside the figures the paper prints (REFERENCE §2).
///
/// FReLU at every ReLU counts more FLOPs than the paper prints for some models, so the variants
/// its figures may have used are counted too, and ``matchingNotes()`` says which comes closest.
public struct ComplexityTable: Sendable {
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
    public struct PaperFigure: Sendable, Hashable {
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
    public struct Row: Sendable {
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

    /// Funnel's counts beside the paper's.
    public func table() -> HTMLTable {
        let columns = [
            HTMLTable.Column("activation", alignment: .left),
            HTMLTable.Column("params", format: .fixed(2)),
            HTMLTable.Column("paper", format: .fixed(1)),
            HTMLTable.Column("FLOPs", format: .fixed(0)),
            HTMLTable.Column("paper", format: .fixed(0)),
            HTMLTable.Column("vs ReLU"),
            HTMLTable.Column("paper err (%)", format: .fixed(1)),
        ]
        let tableRows = rows.enumerated().map { index, row -> HTMLTable.Row in
            let c = row.configuration
            let relu = rows.first { $0.configuration.model == c.model && $0.configuration.act == "relu" }
            let increase = relu.flatMap { r -> String? in
                guard c.act != "relu", r.flops > 0 else { return nil }
                return String(format: "+%.1f%%", (Double(row.flops) / Double(r.flops) - 1) * 100)
            }
            let firstOfModel = index == 0 || rows[index - 1].configuration.model != c.model
            let paper = c.note == nil ? row.paper : nil
            return HTMLTable.Row(firstOfModel ? ReportNames.model(c.model) : "", [
                .text(ReportNames.activation(c.act) + (c.note.map { " (\($0))" } ?? "")),
                HTMLTable.Cell(Double(row.parameters) / 1e6, text: String(format: "%.2fM", Double(row.parameters) / 1e6)),
                paper.map { HTMLTable.Cell($0.parameters / 1e6, text: $0.printedParameters) } ?? .empty,
                HTMLTable.Cell(Double(row.flops), text: Self.flops(Double(row.flops))),
                paper.map { HTMLTable.Cell($0.flops, text: $0.printedFlops) } ?? .empty,
                increase.map { HTMLTable.Cell.text($0) } ?? .empty,
                paper.map { HTMLTable.Cell($0.top1Error) } ?? .empty,
            ], separated: index > 0 && firstOfModel)
        }
        return HTMLTable(
            caption: "The paper's ImageNet models at 224\u{00D7}224: Funnel's counts beside the paper's figures.",
            rowHeaderTitle: "Model", columns: columns, rows: tableRows,
            footnote: "\u{201C}paper\u{201D}: the figure the paper prints beside the count on its left; paper err: its ImageNet top-1 error, not measured here. "
                + "\u{201C}3\u{00D7}3 slots\u{201D}: FReLU at the stem and after the bottlenecks' 3\u{00D7}3 convolutions, ReLU after their 1\u{00D7}1s. "
                + "FLOPs are multiply-adds of convolutions and linear layers (batch norm, pooling and activations not counted), "
                + "as in the paper; a funnel condition adds C\u{00B7}k\u{00B2} parameters (+ C bias + 2C batch norm) and C\u{00B7}k\u{00B2}\u{00B7}H\u{00B7}W FLOPs per layer.")
    }

    /// For each paper FReLU figure, which counted configuration of that model comes closest in
    /// FLOPs, as sentences.
    public func matchingNotes() -> [String] {
        var out: [String] = []
        for figure in Self.paper where figure.act != "relu" {
            let candidates = rows.filter { $0.configuration.model == figure.model && $0.configuration.act != "relu" }
            guard let best = candidates.min(by: { abs(Double($0.flops) - figure.flops) < abs(Double($1.flops) - figure.flops) }) else { continue }
            let c = best.configuration
            let relative = abs(Double(best.flops) / figure.flops - 1)
            let name = ReportNames.activation(c.act) + (c.note.map { " (\($0))" } ?? "")
            let model = ReportNames.model(figure.model)
            if relative < 0.01 {
                out.append("\(model): the paper's \(figure.printedFlops) with FReLU is matched by \(name): \(Self.flops(Double(best.flops))).")
            } else {
                out.append("\(model): no variant counted here matches the paper's \(figure.printedFlops) with FReLU; the nearest is \(name) at "
                    + "\(Self.flops(Double(best.flops))), \(String(format: "%.0f", relative * 100))% off.")
            }
        }
        return out
    }

    /// `3.86G`, `325M`.
    static func flops(_ value: Double) -> String {
        value >= 1e9 ? String(format: "%.2fG", value / 1e9) : String(format: "%.0fM", value / 1e6)
    }
}
