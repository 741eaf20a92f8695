import ArgumentParser
import Foundation
import FunnelLab
import FunnelTrain

struct AttackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "attack", abstract: "Adversarial top-1 accuracy of a checkpoint under FGSM or PGD (L∞).")

    @Option(help: "A checkpoint written by `funnel train`.") var checkpoint: String
    @Option(help: "Dataset (default: the checkpoint's).") var data: String?
    @Option(help: "fgsm | pgd") var method = "fgsm"
    @Option(help: "L∞ radius as a fraction of the pixel range, e.g. 0.03 or 8/255.") var eps = "8/255"
    @Option(help: "PGD steps.") var steps = 10
    @Option(help: "Attack at most this many test images.") var limit: Int?
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var compute: ComputeOptions

    func parsedEps() throws -> Double {
        let parts = eps.split(separator: "/").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        if parts.count == 1, let v = parts[0], v > 0 { return v }
        if parts.count == 2, let a = parts[0], let b = parts[1], b > 0, a > 0 { return a / b }
        throw ValidationError("--eps '\(eps)': expected a positive number or a fraction like 8/255")
    }

    func validate() throws {
        guard ["fgsm", "pgd"].contains(method) else { throw ValidationError("--method '\(method)': expected fgsm or pgd") }
        _ = try parsedEps()
        try requireAtLeast(1, steps, "steps")
        try requireAtLeast(1, limit, "limit")
        try requireFile(checkpoint, "checkpoint")
    }

    func run() throws {
        compute.apply()
        let trained = try TrainedModel(checkpoint: URL(fileURLWithPath: checkpoint), data: data)
        let config = trained.config
        let result = try Attack.run(trained.model, trained.testLoader(batchSize: 250), method: method == "fgsm" ? .fgsm : .pgd(steps: steps, stepSize: nil), eps: try parsedEps(), limit: limit)
        if json { try printJSON(result); return }
        print(String(format: "%@/%@, %@ eps %.4f on %d images: clean top-1 %.2f%%, adversarial top-1 %.2f%%", config.model, config.act,
                     result.method, result.eps, result.images, result.cleanTop1 * 100, result.adversarialTop1 * 100))
    }
}
