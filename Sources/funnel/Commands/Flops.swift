import ArgumentParser
import FunnelModels
import FunnelNN

struct Flops: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parameters and FLOPs (multiply-adds of convs and linears) of a model at its input size.")

    @Option(help: "Model name (see `funnel models`).") var model: String
    @Option(help: "Activation spec (see `funnel acts`).") var act = "relu"
    @Option(help: "Number of classes (default: the model's).") var classes: Int?
    @Option(help: "Stages that use the activation, e.g. 1,2,3,4 (others and the stem keep ReLU).") var stages: String?
    @Option(help: "Bottleneck slots: all | after1x1 | after3x3.") var slots = "all"
    @Flag(help: "Add squeeze-and-excitation blocks.") var se = false
    @Flag(help: "Print JSON.") var json = false

    struct Output: Codable { let model: String; let act: String; let input: [Int]; let params: Int; let flops: Int }

    func validate() throws {
        try requireAtLeast(1, classes, "classes")
    }

    func run() throws {
        let entry = try Models.entry(model)
        guard let slotChoice = Placement.Slots(rawValue: slots) else { throw ValidationError("--slots '\(slots)': expected all, after1x1 or after3x3") }
        let stageSet = try stages.map { Set(try integers($0, option: "stages", example: "1,2,3,4") as [Int]) }
        let placement = Placement(stages: stageSet, slots: slotChoice, squeezeExcitation: se)
        let network = try Models.make(ModelConfig(name: model, classes: classes ?? entry.defaultClasses, activation: Activations.factory(act), placement: placement))
        network.setMode(.inference)
        let x = Tensor.zeros([1] + entry.input)
        let flops = OpCounter.count { _ = withoutGrad { network(x) } }
        let out = Output(model: entry.name, act: act, input: entry.input, params: network.parameterCount, flops: flops)
        if json { try printJSON(out) } else {
            print(String(format: "%@ with %@: %.2fM parameters, %.3fG FLOPs (multiply-adds) at input %@",
                         entry.name, act, Double(out.params) / 1e6, Double(flops) / 1e9, "\(entry.input)"))
        }
    }
}
