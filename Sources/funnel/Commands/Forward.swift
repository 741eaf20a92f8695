import ArgumentParser
import Foundation
import FunnelTrain

struct Forward: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One forward (and backward) pass on given weights and inputs, for parity checks against PyTorch.")

    @Option(help: "Model name.") var model: String
    @Option(help: "Activation spec.") var act: String
    @Option(help: "Weights (safetensors, PyTorch names; num_batches_tracked allowed).") var weights: String
    @Option(help: "Input (safetensors with `x` [N,3,H,W] float32 and optionally `y` int64).") var input: String
    @Option(help: "eval | train (batch statistics).") var mode = "eval"
    @Flag(help: "Also the mean cross-entropy `loss` and every parameter's `grad.<name>`.") var backward = false
    @Option(help: "Output safetensors file.") var output: String
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard Parity.Mode(rawValue: mode) != nil else { throw ValidationError("--mode '\(mode)': expected eval or train") }
    }

    func run() throws {
        compute.apply()
        let result = try Parity.run(model: model, act: act, weights: SafetensorsFile(contentsOf: URL(fileURLWithPath: weights)),
                                    input: SafetensorsFile(contentsOf: URL(fileURLWithPath: input)),
                                    mode: Parity.Mode(rawValue: mode)!, backward: backward)
        try result.write(to: URL(fileURLWithPath: output))
        note("wrote \(output): \(result.entries.keys.sorted().prefix(4).joined(separator: ", "))\(result.entries.count > 4 ? ", ..." : "")")
    }
}
