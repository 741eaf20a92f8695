import ArgumentParser

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a checkpoint (in progress).")
    func run() throws { throw ValidationError("not built yet") }
}
