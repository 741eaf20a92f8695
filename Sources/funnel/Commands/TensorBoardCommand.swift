import ArgumentParser

struct TensorBoardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tensorboard", abstract: "TensorBoard event files (in progress).")
    func run() throws { throw ValidationError("not built yet") }
}
