import ArgumentParser
import Foundation
import FunnelLab

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Draw figures as SVG.", subcommands: [ActsPlot.self])

    struct ActsPlot: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "acts", abstract: "Every pointwise activation and its derivative on one sheet.")
        @Option(help: "Output SVG file.") var out = "acts.svg"
        @Option(help: "Specs separated by commas, or by ';' when a spec has options (default: every pointwise activation).") var acts: String?

        /// The specs asked for: at least one, each once (a second panel of the same curve says nothing).
        private var specs: [String]? { acts.map(activationSpecs) }

        func validate() throws {
            guard let specs else { return }
            guard !specs.isEmpty else { throw ValidationError("--acts '\(acts ?? "")': expected at least one activation spec") }
            try requireEachOnce(specs, "acts")
        }

        func run() throws {
            let file = try outputFile(out)
            let sheet = try ActivationSheet.make(specs: specs)
            try sheet.write(to: file)
            print("wrote \(out)")
        }
    }
}
