import ArgumentParser
import Foundation
import FunnelTrain

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate a checkpoint: test loss, top-1 and top-5.")

    @Option(help: "A checkpoint written by `funnel train`.") var checkpoint: String
    @Option(help: "Dataset (default: the one the checkpoint was trained on).") var data: String?
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.apply()
        let trained = try TrainedModel(checkpoint: URL(fileURLWithPath: checkpoint), data: data)
        let result = try Evaluation.run(trained.model, trained.testLoader())
        let config = trained.config, saved = trained.checkpoint
        if json { try printJSON(result); return }
        print(String(format: "%@ (epoch %d) on %@: test loss %.4f, top-1 %.2f%%, top-5 %.2f%% (%d images)",
                     config.model + "/" + config.act, saved.epoch, config.data, result.loss, result.top1 * 100, result.top5 * 100, result.count))
    }
}
