import ArgumentParser
import Foundation
import FunnelLab
import FunnelTrain

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train one model with several activations (and seeds) and compare them in a table.",
        discussion: "Finished runs in the run directory are reused.")

    @Option(help: "Activation specs separated by `;` (or `,` when no spec has options).") var acts = "relu;swish;mish;frelu;dyrelu_b"
    @Option(help: "Comma-separated seeds.") var seeds = "0"
    @OptionGroup var options: TrainOptions
    @OptionGroup var location: RunLocation<CompareRunDirectory>
    @OptionGroup var compute: ComputeOptions

    func validate() throws { let _: [UInt64] = try integers(seeds, option: "seeds", example: "0,1,2") }

    func run() throws {
        compute.apply()
        let specs = activationSpecs(acts)
        let seedList: [UInt64] = try integers(seeds, option: "seeds", example: "0,1,2")
        var base = TrainConfig()
        base.model = "resnet20"; base.data = "synthetic"; base.epochs = 5; base.schedule = .cosine
        let config = try options.config(base)
        let printer = ProgressPrinter()
        let stop = StopRequest()
        stop.catchSignals()
        let rows = try ActivationComparison(base: config, acts: specs, seeds: seedList)
            .run(runDirectory: location.runDirectoryURL, store: try location.open(), stop: stop, events: printer.handle)
        print("\n\(config.model) on \(config.data), \(config.epochs) epochs, \(seedList.count) seed(s) each; final epoch's test metrics\n")
        print(ActivationComparison.table(rows))
    }
}
