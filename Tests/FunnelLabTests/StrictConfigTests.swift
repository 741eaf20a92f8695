import Foundation
import Testing
import FunnelTrain
@testable import FunnelLab

/// Experiment and sweep files are read strictly: a typo, an unknown key or a value of the wrong
/// type is an error naming the file, the key path and what was expected, before anything runs.
@Suite struct StrictConfigTests {
    func file(_ text: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("strict-\(UUID().uuidString.prefix(8)).yaml")
        try! text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func error(_ text: String) -> String {
        let url = file(text)
        defer { try? FileManager.default.removeItem(at: url) }
        do { _ = try ExperimentSpec(contentsOf: url); return "no error" } catch { return "\(error)".replacingOccurrences(of: url.path, with: "FILE") }
    }

    let grid = "name: t\nmodels: [resnet20]\nacts: [relu]\ndatasets: [synthetic]\nseeds: [0]\n"

    @Test func unknownKeysAreErrorsWithSuggestions() {
        #expect(error(grid + "recipe: {epocs: 1}").hasPrefix("FILE: unknown key 'epocs' in 'recipe'; did you mean 'epochs'? (valid keys: "))
        #expect(error(grid + "recipe: {epochs: 1}\nsead: 3").hasPrefix("FILE: unknown key 'sead' at the top level; did you mean 'seeds'?"))
        #expect(error(grid + "variants: [{name: a, stage: [2]}]").hasPrefix("FILE: unknown key 'stage' in 'variants[0]'; did you mean 'stages'?"))
        #expect(error(grid + "recipe: {colour: red}").hasPrefix("FILE: unknown key 'colour' in 'recipe' (valid keys: act, augment, "))
    }

    @Test func typeErrorsSayWhatWasFound() {
        #expect(error(grid + "recipe: {epochs: ten}") == "FILE: field 'recipe.epochs' should be an integer, found 'ten'")
        // Seeds are unsigned: -1 is an integer, so the message says which ones are meant.
        #expect(error("name: t\nmodels: [resnet20]\nacts: [relu]\ndatasets: [synthetic]\nseeds: [0, -1]")
                == "FILE: field 'seeds[1]' should be an integer of at least 0, found '-1'")
        #expect(error(grid + "recipe: {optimizer: rmsprop}")
                == "FILE: recipe: invalid training config: optimizer = rmsprop; expected one of sgd, adam, adamw")
        #expect(error("name: t\nmodels: resnet20\nacts: [relu]\ndatasets: [synthetic]\nseeds: [0]")
                .hasPrefix("FILE: field 'models' should be "))
    }

    @Test func theWholeGridResolvesBeforeAnythingIsQueued() {
        let unknownAct = error("name: t\nmodels: [resnet20]\nacts: [relu, frelu, mihs]\ndatasets: [synthetic]\nseeds: [0]")
        #expect(unknownAct.hasPrefix("FILE: experiment 't', acts: ") && unknownAct.contains("mihs"))
        let unknownModel = error("name: t\nmodels: [resnet20, resnet200]\nacts: [relu]\ndatasets: [synthetic]\nseeds: [0]")
        #expect(unknownModel.hasPrefix("FILE: experiment 't', models: ") && unknownModel.contains("resnet200"))
        #expect(error("name: t\nmodels: [resnet20]\nacts: [relu]\ndatasets: [/no/such/cifar.tar.gz]\nseeds: [0]")
                == "FILE: experiment 't', datasets: '/no/such/cifar.tar.gz' is neither `synthetic` nor an existing file or folder")
    }

    /// Found by `scripts/fuzz.sh` (fuzz-yaml): a recipe that is not a mapping of JSON values
    /// crashed JSONSerialization, and a mapping key that is not a string crashed `Yams.load`.
    @Test func aRecipeThatIsNotAMappingIsAnError() {
        for recipe in ["kmodel:#resnet18, epochs:\"50}", "[1, 2]", "{epochs: 2001-01-01}", "{[lloa]: 1}", "{lr: .inf}"] {
            #expect(throws: (any Error).self, "recipe: \(recipe)") {
                _ = try SweepDefinition(name: "s", yaml: "method: grid\nparameters:\n  lr: {values: [0.1]}\nrecipe: \(recipe)\n")
            }
        }
    }

    @Test func sweepRecipesAreStrictToo() {
        #expect(throws: UnknownKeyError.self) {
            _ = try SweepDefinition(name: "s", yaml: "method: grid\nparameters:\n  lr: {values: [0.1]}\nrecipe: {epocs: 1}\n")
        }
        do { _ = try SweepDefinition(name: "s", yaml: "method: grid\nparameters:\n  lrr: {values: [0.1]}\n"); Issue.record("'lrr' was accepted") } catch {
            #expect("\(error)" == "sweep parameter 'lrr' is not a `funnel train` field; did you mean 'lr'?")
        }
    }

    /// `funnel report` makes (or refuses) its output folder before any of its work.
    @Test func reportOutputFolderIsCheckedFirst() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("report-out-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let blocker = directory.appendingPathComponent("a-file")
        try Data().write(to: blocker)
        let refused = try FunnelProcess(["report", "--runs", directory.path, "--out", blocker.appendingPathComponent("r.html").path],
                                        logDirectory: directory).wait()
        #expect(refused.status != 0 && refused.output.contains("cannot create its folder \(blocker.path)"), "\(refused.output)")
        let made = try FunnelProcess(["report", "--runs", directory.path, "--out", directory.appendingPathComponent("new/sub/r.html").path],
                                     logDirectory: directory).wait()
        #expect(made.status != 0 && made.output.contains("runs.sqlite"), "\(made.output)")  // no store: an error naming it...
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("new/sub").path))  // ...after the folder was made
    }
}
