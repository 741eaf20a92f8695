import ArgumentParser
import Foundation
import FunnelInterop
import FunnelTrain

/// `funnel tensorboard`: TensorBoard event files. Training writes them by itself
/// (`<run-dir>/<run>/tb/`); `export` writes them for runs already in a store.
struct TensorBoardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tensorboard", abstract: "TensorBoard event files of runs (training writes them itself, in <run-dir>/<run>/tb).",
        discussion: "View them with `tensorboard --logdir <run-dir>`: scalars per epoch, the training loss every 50 steps, FReLU and DY-ReLU parameter histograms, and every run's configuration and results in the HParams view.",
        subcommands: [ExportEvents.self])

    struct ExportEvents: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export", abstract: "Write event files for the runs of a run store: every epoch's metrics and the hyperparameters.",
            discussion: "Each run's go to <run-dir>/<run name>/tb/. Runs whose folder has event files already are left alone unless --replace is given.")

        @OptionGroup var location: RunLocation<GivenRunDirectory>
        @Option(help: "Only the runs of this experiment.") var experiment: String?
        @Flag(help: "Rewrite the event files of runs that have some.") var replace = false

        func run() throws {
            let store = try location.open(mustExist: true)
            let filter = RunFilter(experiment: experiment)
            let records = TensorBoardExport.latestRunPerName(try store.runs(filter))
            if records.isEmpty, experiment != nil { throw ValidationError(filter.unmatched(in: try store.runs()).joined(separator: "; ")) }
            var written = 0
            var failed: [String] = []
            for run in records {
                let outcome: TensorBoardExport.Outcome
                do {
                    outcome = try TensorBoardExport.export(run, epochs: try store.epochs(of: run.id), runDirectory: location.runDirectoryURL,
                                                           replace: replace)
                } catch {
                    // One run's bad row does not keep the others from their logs.
                    note("\(run.spec.name): not written: \(error)")
                    failed.append(run.spec.name)
                    continue
                }
                switch outcome {
                case let .written(file):
                    written += 1
                    note("\(run.spec.name): \(file.path)")
                case let .skipped(folder):
                    note("\(run.spec.name): skipped, \(folder.path) has event files (--replace rewrites them)")
                }
            }
            note("\(written) of \(records.count) runs written; view them with: tensorboard --logdir \(location.runDirectory)")
            if !failed.isEmpty {
                note("not written, each for the reason above: " + failed.joined(separator: ", "))
                throw ExitCode.failure
            }
        }
    }
}
