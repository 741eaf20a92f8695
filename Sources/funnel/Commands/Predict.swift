import ArgumentParser
import Foundation
import FunnelData
import FunnelTrain

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify JPEG or PNG images of any size with a trained checkpoint: the top classes and their probabilities.",
        discussion: "Each image is resized to cover the model's input, centre-cropped and normalised as in training; class names come from the checkpoint. "
            + "An image that cannot be read is named on standard error and the others are classified; the command then exits with status 1.")

    @Option(help: "A checkpoint written by `funnel train`.") var checkpoint: String
    @Argument(help: "JPEG or PNG files.") var images: [String]
    @Option(help: "How many classes to show per image.") var top = 5
    @Option(name: .customLong("batch-size"), help: "Images read and classified at once (memory grows with it).") var batchSize = 64
    @Flag(help: "Print JSON: per image its top classes, or the error that kept it from being classified.") var json = false
    @OptionGroup var compute: ComputeOptions

    struct Result: Codable {
        var image: String
        /// The most probable classes, most probable first; nil when the image could not be read.
        var top: [Predictor.Guess]?
        /// Why the image was not classified.
        var error: String?
    }

    func validate() throws {
        try requireFile(checkpoint, "checkpoint")
        guard !images.isEmpty else { throw ValidationError("give at least one image file") }
        try requireAtLeast(1, top, "top")
        try requireAtLeast(1, batchSize, "batch-size")
    }

    func run() throws {
        compute.apply()
        let predictor = try Predictor(checkpoint: URL(fileURLWithPath: checkpoint))
        let top = min(self.top, predictor.input.classes.count)
        var results: [Result] = []
        // A batch at a time: memory is one batch's whatever the number of files, and a long list
        // prints its results as it goes.
        for start in stride(from: 0, to: images.count, by: batchSize) {
            var batch: [Result] = [], decoded: [RGBImage] = []
            for path in images[start..<min(start + batchSize, images.count)] {
                do {
                    decoded.append(try RGBImage(contentsOf: URL(fileURLWithPath: path)))
                    batch.append(Result(image: path))
                } catch {
                    note("not classified: \(error)")
                    batch.append(Result(image: path, error: "\(error)"))
                }
            }
            var guesses = try predictor.classify(decoded, top: top).makeIterator()
            for i in batch.indices where batch[i].error == nil { batch[i].top = guesses.next() }
            if !json { printGuesses(batch) }
            results += batch
        }
        if json { try printJSON(results) }
        let unread = results.filter { $0.error != nil }.map(\.image)
        if !unread.isEmpty {
            note("\(unread.count) of \(images.count) images not classified, each for the reason above: \(unread.joined(separator: ", "))")
            throw ExitCode.failure
        }
    }

    /// Each classified image and its top classes, as lines.
    private func printGuesses(_ batch: [Result]) {
        for result in batch {
            guard let guesses = result.top else { continue }
            print(result.image)
            for guess in guesses {
                print(String(format: "  %6.2f%%  %@ (%d)", guess.probability * 100, guess.name, guess.label))
            }
        }
    }
}
