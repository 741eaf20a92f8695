import ArgumentParser
import Foundation
import FunnelData
import FunnelTrain

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a checkpoint: test loss, top-1 and top-5 (segmentation: mIoU and pixel accuracy).",
        discussion: """
            A checkpoint written by `funnel train` knows its model, data and normalisation. A plain state dict under \
            PyTorch's names (PyTorch's `safetensors.torch.save_file(model.state_dict(), F)`) needs --model, --act and \
            --data, and --mean/--std if it was not trained with the statistics of that training split.
            """)

    @Option(help: "A checkpoint written by `funnel train`, or a plain state dict (safetensors).") var checkpoint: String
    @Option(help: "Dataset (default: the one the checkpoint was trained on).") var data: String?
    @Option(help: "Model of a plain state dict.") var model: String?
    @Option(help: "Activation of a plain state dict.") var act: String?
    @Option(help: "Per-channel means on the [0, 1] scale, e.g. 0.4914,0.4822,0.4465 (plain state dicts).") var mean: String?
    @Option(help: "Per-channel standard deviations on the [0, 1] scale (plain state dicts).") var std: String?
    @Flag(help: "Evaluate on the whole test split, not the checkpoint's test_limit.") var wholeTestSplit = false
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        try requireFile(checkpoint, "checkpoint")
    }

    func run() throws {
        compute.apply()
        let url = URL(fileURLWithPath: checkpoint)
        let trained: TrainedModel
        if try SafetensorsFile(contentsOf: url).metadata["funnel.config"] != nil {
            guard model == nil, act == nil, mean == nil, std == nil else {
                throw ValidationError("--model, --act, --mean and --std are for plain state dicts; \(checkpoint) is a Funnel checkpoint, which records them")
            }
            trained = try TrainedModel(checkpoint: url, data: data, wholeTestSplit: wholeTestSplit)
        } else {
            guard let model, let act, let data else {
                throw ValidationError("\(checkpoint) is a plain state dict (no funnel.config metadata): give --model, --act and --data")
            }
            trained = try TrainedModel(stateDict: url, model: model, act: act, data: data, normalization: try normalization())
        }
        let result = try Evaluation.run(trained.model, trained.testLoader())
        let config = trained.config
        if json { try printJSON(result); return }
        if let miou = result.meanIoU, let pixelAccuracy = result.pixelAccuracy {
            print(String(format: "%@%@ on %@: test loss %.4f, mIoU %.2f%%, pixel accuracy %.2f%% (%d images)",
                         config.model + "/" + config.act, trained.epoch.map { " (epoch \($0))" } ?? "", config.data,
                         result.loss, miou * 100, pixelAccuracy * 100, result.count))
            return
        }
        print(String(format: "%@%@ on %@: test loss %.4f, top-1 %.2f%%, top-5 %.2f%% (%d images)",
                     config.model + "/" + config.act, trained.epoch.map { " (epoch \($0))" } ?? "", config.data,
                     result.loss, result.top1 * 100, result.top5 * 100, result.count))
    }

    /// The statistics given with --mean and --std, or nil for none.
    private func normalization() throws -> Normalization? {
        guard mean != nil || std != nil else { return nil }
        guard let mean, let std else { throw ValidationError("give both --mean and --std, or neither") }
        let m: [Float] = try floats(mean, option: "mean"), s: [Float] = try floats(std, option: "std")
        guard m.count == s.count, s.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--mean has \(m.count) values and --std \(s.count): expected one mean and one positive deviation per channel")
        }
        return Normalization(mean: m, std: s)
    }

    private func floats(_ text: String, option: String) throws -> [Float] {
        try text.split(separator: ",").map {
            guard let v = Float($0.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                throw ValidationError("--\(option): '\($0)' is not a number (expected e.g. 0.4914,0.4822,0.4465)")
            }
            return v
        }
    }
}
