import ArgumentParser

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Classify images (in progress).")
    func run() throws { throw ValidationError("not built yet") }
}
