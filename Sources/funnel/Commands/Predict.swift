import ArgumentParser
import Foundation
import FunnelData
import FunnelTrain

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify JPEG or PNG images of any size with a trained checkpoint: the top classes and their probabilities.",
        discussion: "Each image is resized to cover the model's input, centre-cropped and normalised as in training; class names come from the checkpoint.")

    @Option(help: "A checkpoint written by `funnel train`.") var checkpoint: String
    @Argument(help: "JPEG or PNG files.") var images: [String]
    @Option(help: "How many classes to show per image.") var top = 5
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var compute: ComputeOptions

    struct Result: Codable {
        var image: String
        var top: [Predictor.Guess]
    }

    func validate() throws {
        try requireFile(checkpoint, "checkpoint")
        guard !images.isEmpty else { throw ValidationError("give at least one image file") }
        try requireAtLeast(1, top, "top")
    }

    func run() throws {
        compute.apply()
        let predictor = try Predictor(checkpoint: URL(fileURLWithPath: checkpoint))
        let decoded = try images.map { try RGBImage(contentsOf: URL(fileURLWithPath: $0)) }
        let guesses = try predictor.classify(decoded, top: min(top, predictor.input.classes.count))
        let results = zip(images, guesses).map { Result(image: $0, top: $1) }
        if json { try printJSON(results); return }
        for result in results {
            print(result.image)
            for guess in result.top {
                print(String(format: "  %6.2f%%  %@ (%d)", guess.probability * 100, guess.name, guess.label))
            }
        }
    }
}
