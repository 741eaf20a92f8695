import ArgumentParser
import Foundation
import FunnelLab
import FunnelTrain

struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List, show, compare and export the runs in a run store.",
                                                    subcommands: [List.self, Show.self, CompareRuns.self, Export.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per run.")
        @OptionGroup var location: RunLocation<RunsRunDirectory>
        @Option(help: "Only this experiment.") var experiment: String?
        @Option(help: "Only this model.") var model: String?
        @Option(help: "Only this activation.") var act: String?

        func run() throws {
            let store = try location.open(mustExist: true)
            let filter = RunFilter(experiment: experiment, model: model, act: act)
            let runs = try store.runs(filter)
            if runs.isEmpty { for reason in filter.unmatched(in: try store.runs()) { note(reason) } }
            print("   id  status       model      act                  seed  epochs  best top-1  final top-1  final loss  name")
            for r in runs {
                let s = r.summary
                print(String(format: "%5lld  ", r.id) + col(r.statusLabel, 11) + "  " + col(r.spec.model, 9) + "  " + col(r.spec.act, 20)
                      + String(format: " %4d  %6d  ", r.spec.seed, s.epochs) + col(fmt(s.bestTestTop1, "%.2f%%"), 10) + "  "
                      + col(fmt(s.finalTestTop1, "%.2f%%"), 11) + "  " + col(fmt(s.finalTestLoss, "%.4f"), 10) + "  " + r.spec.name)
            }
            if runs.contains(where: \.isLost) { note(Runs.lostNote(silence: "over \(Int(RunRecord.lostAfterSeconds)) s")) }
        }
    }

    /// What a lost run is (silent for `silence`), and how it goes on.
    static func lostNote(silence: String) -> String {
        "lost: marked running, but its process has not said it is alive for \(silence): it was killed (kill -9, out of memory, "
            + "its machine went down) before it could mark itself interrupted. `funnel train` with the run's options and --resume "
            + "continues it from its last checkpoint; an experiment's or sweep's workers take it up again when its claim runs out."
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A run's configuration and every epoch.")
        @OptionGroup var location: RunLocation<RunsRunDirectory>
        @Argument(help: "Run id.") var id: Int64

        func run() throws {
            let s = try location.open(mustExist: true)
            let detail = try s.detail(id)
            let r = detail.run
            print("run \(r.id) \(r.spec.name): \(r.statusLabel), \(r.spec.machine.host), commit \(r.spec.gitCommit ?? "?")")
            if r.isLost, let age = r.heartbeatAge { note(Runs.lostNote(silence: formatDuration(age))) }
            let builds = detail.builds.count
            if builds > 1 {
                note("trained by more than one Funnel build (it was resumed by another): "
                     + detail.buildSpans.map(\.label).joined(separator: ", ") + "; its results mix the code of "
                     + (builds == 2 ? "both" : "all \(builds)"))
            }
            print("config \(r.spec.config)")
            if let error = r.error { print("error: \(error)") }
            print("epoch  train loss  train acc  test loss  top-1    top-5    lr        seconds  img/s")
            for e in detail.epochs {
                let cells = [(fmt(e.trainLoss, "%.4f"), 10), (fmt(e.trainAcc, "%.2f%%"), 9), (fmt(e.testLoss, "%.4f"), 9),
                             (fmt(e.testTop1, "%.2f%%"), 7), (fmt(e.testTop5, "%.2f%%"), 7), (fmt(e.lr, "%.4g"), 8),
                             (fmt(e.seconds, "%.1f"), 7), (fmt(e.imagesPerSecond, "%.0f"), 6)]
                print(String(format: "%5d  ", e.epoch) + cells.map { col($0.0, $0.1) }.joined(separator: "  "))
            }
        }
    }

    struct CompareRuns: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "compare", abstract: "Chosen metrics of several runs side by side.")
        @OptionGroup var location: RunLocation<RunsRunDirectory>
        @Argument(help: "Run ids.") var ids: [Int64]
        @Option(help: "Metrics as aggregate(field), comma-separated.") var metrics = "max(test_top1),final(test_top1),final(test_loss),mean(images_per_second)"

        func validate() throws {
            if let id = firstRepeated(ids) { throw ValidationError("run \(id) is listed twice") }
        }

        func run() throws {
            let parsed = try metrics.split(separator: ",").map { try RunMetric(parsing: String($0)) }
            print(try location.open(mustExist: true).compare(ids, metrics: parsed).table())
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every run and epoch as CSV or JSON on standard output.")
        @OptionGroup var location: RunLocation<RunsRunDirectory>
        @Option(help: "csv | json") var format = "csv"

        func validate() throws {
            guard ["csv", "json"].contains(format) else { throw ValidationError("--format '\(format)': expected csv or json") }
        }

        func run() throws {
            let s = try location.open(mustExist: true)
            print(format == "csv" ? try s.exportCSV() : try s.exportJSON())
        }
    }
}

private func fmt(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "-" }
