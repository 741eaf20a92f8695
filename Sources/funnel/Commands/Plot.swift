import ArgumentParser
import Foundation
import FunnelLab

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Draw figures as SVG.", subcommands: [ActsPlot.self])

    struct ActsPlot: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "acts", abstract: "Every pointwise activation and its derivative on one sheet.")
        @Option(help: "Output SVG file.") var out = "acts.svg"
        @Option(help: "Comma-separated specs (default: every pointwise activation).") var acts: String?

        func run() throws {
            let file = try outputFile(out)
            let sheet = try ActivationSheet.make(specs: acts?.split(separator: ",").map(String.init))
            try sheet.write(to: file)
            print("wrote \(out)")
        }
    }
}
