import ArgumentParser
import FunnelModels

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models", abstract: "List the model architectures.")

    func run() throws {
        for m in Models.all { print("\(m.name.padding(toLength: 20, withPad: " ", startingAt: 0)) input \(m.input)  \(m.summary)") }
    }
}
