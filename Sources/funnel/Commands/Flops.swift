import ArgumentParser
import FunnelModels
import FunnelNN

struct Flops: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parameters and FLOPs (multiply-adds of convs and linears) of a model at its input size.")

    @Option(help: "Model name (see `funnel models`).") var model: String
    @Option(help: "Activation spec (see `funnel acts`).") var act = "relu"
    @Option(help: "Number of classes (default: the model's).") var classes: Int?
    @Flag(help: "Print JSON.") var json = false

    struct Output: Codable { let model: String; let act: String; let input: [Int]; let params: Int; let flops: Int }

    func run() throws {
        let entry = try Models.entry(model)
        let network = try Models.make(ModelConfig(name: model, classes: classes ?? entry.defaultClasses, activation: Activations.factory(act)))
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
