import Foundation
import Testing
import FunnelTrain
@testable import FunnelLab

@Suite struct ExperimentTests {
    private func write(_ text: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("exp-\(UUID().uuidString).yaml")
        try! text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func yamlGridExpandsToCellsWithTheRecipe() throws {
        let spec = try ExperimentSpec(contentsOf: write("""
            name: t
            models: [resnet20]
            acts: [relu, "frelu:k=5"]
            datasets: [synthetic]
            seeds: [0, 1]
            recipe: {epochs: 3, schedule: cosine, lr: 0.05}
            variants: [{name: s2, stages: [2]}, {name: all}]
            """))
        let cells = spec.cells()
        #expect(cells.count == 1 * 2 * 2 * 2)
        #expect(cells[0].key == "resnet20/synthetic/s2/relu/s0")
        #expect(cells[0].config.stages == [2] && cells[0].config.epochs == 3 && cells[0].config.lr == 0.05)
        #expect(cells.last!.config.stages == nil && cells.last!.config.act == "frelu:k=5" && cells.last!.config.seed == 1)
        #expect(Set(cells.map(\.key)).count == cells.count)
    }

    @Test func badFilesNameTheProblem() {
        do { _ = try ExperimentSpec(contentsOf: write("name: t\nmodels: [resnet20]\nacts: [relu]\ndatasets: [synthetic]\nrecipe: {}")); Issue.record("a bad experiment file was accepted") }
        catch { #expect("\(error)".contains("missing field 'seeds'")) }
        do { _ = try ExperimentSpec(contentsOf: write("name: t\nmodels: [resnet20]\nacts: []\ndatasets: [synthetic]\nseeds: [0]\nrecipe: {}")); Issue.record("a bad experiment file was accepted") }
        catch { #expect("\(error)".contains("'acts' is empty")) }
        do { _ = try ExperimentSpec(contentsOf: write("name: t\nmodels: [resnet20]\nacts: [relu]\ndatasets: [synthetic]\nseeds: [0]\nrecipe: {optimizer: rmsprop}")); Issue.record("a bad experiment file was accepted") }
        catch { #expect("\(error)".contains("optimizer") && "\(error)".contains("rmsprop")) }
        // A repeated entry would name one cell twice: the grid would hold one run where two were counted.
        do { _ = try ExperimentSpec(contentsOf: write("name: t\nmodels: [resnet20]\nacts: [relu]\ndatasets: [synthetic]\nseeds: [0, 1, 0]\nrecipe: {}")); Issue.record("a repeated seed was accepted") }
        catch { #expect("\(error)".contains("experiment 't', seeds: '0' is listed twice")) }
        do { _ = try ExperimentSpec(contentsOf: write("name: t\nmodels: [resnet20]\nacts: [relu, frelu, relu]\ndatasets: [synthetic]\nseeds: [0]\nrecipe: {}")); Issue.record("a repeated activation was accepted") }
        catch { #expect("\(error)".contains("experiment 't', acts: 'relu' is listed twice")) }
        // No variants would make a grid of no cells, reported as all done.
        do { _ = try ExperimentSpec(contentsOf: write("name: t\nmodels: [resnet20]\nacts: [relu]\ndatasets: [synthetic]\nseeds: [0]\nrecipe: {}\nvariants: []")); Issue.record("empty variants were accepted") }
        catch { #expect("\(error)".contains("experiment 't': 'variants' is empty (leave it out for the recipe's placement alone)")) }
    }

    /// `funnel compare --seeds 0,0` would reuse seed 0's run and count it twice in the mean, the
    /// spread and the p-value: refused before anything trains.
    @Test func compareRefusesARepeatedSeedOrActivation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("compare-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var base = TrainConfig()
        base.model = "resnet20"; base.data = "synthetic"; base.epochs = 1; base.batchSize = 8; base.syntheticTrain = 8; base.syntheticTest = 8
        #expect(throws: ExperimentError("seeds: 0 is listed twice (each seed is one run)")) {
            try ActivationComparison(base: base, acts: ["relu", "frelu"], seeds: [0, 1, 0]).run(runDirectory: dir)
        }
        #expect(throws: ExperimentError("acts: 'relu' is listed twice")) {
            try ActivationComparison(base: base, acts: ["relu", "frelu", "relu"], seeds: [0]).run(runDirectory: dir)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs.sqlite").path))
    }

    @Test func presetsAreValidAtBothScales() throws {
        for p in ExperimentPresets.all {
            for scale in ExperimentPresets.Scale.allCases {
                let spec = try ExperimentPresets.spec(p.name, scale: scale)
                try spec.validate()
                #expect(!spec.cells().isEmpty)
                if scale == .quick { #expect(spec.recipe.epochs <= 10 && (spec.recipe.trainLimit ?? 50_000) <= 10_000) }
            }
        }
        #expect(try ExperimentPresets.spec("study", scale: .full).cells().count == 3 * 6 * 2 * 5)
        // The segmentation preset takes CIFAR archives and makes scenes of them.
        let dense = try ExperimentPresets.spec("dense", scale: .quick, datasets: ["../shared/datasets/cifar10-jpeg.tar.gz"])
        #expect(dense.cells().count == 5 * 3 && dense.recipe.task == .segment)
        #expect(dense.datasets == ["scenes:../shared/datasets/cifar10-jpeg.tar.gz"])
        #expect(dense.cells()[0].key == "resnet20/scenes-cifar10-jpeg/relu/s0")
        #expect(throws: ExperimentError.self) { try ExperimentPresets.spec("nope", scale: .quick) }
    }

    @Test func runnerSkipsFinishedCellsAndYamlRoundTrips() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("exp-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var recipe = TrainConfig()
        recipe.epochs = 1; recipe.batchSize = 32; recipe.syntheticTrain = 64; recipe.syntheticTest = 32; recipe.schedule = .cosine
        let spec = ExperimentSpec(name: "tiny", models: ["resnet20"], acts: ["relu"], datasets: ["synthetic"], seeds: [0, 1], recipe: recipe)
        let url = dir.appendingPathComponent("tiny.yaml")
        try ExperimentYAML.write(spec, to: url)
        #expect(try ExperimentSpec(contentsOf: url) == spec)
        let runner = try ExperimentRunner(spec: spec, runDirectory: dir)
        #expect(try runner.enqueue() == (added: 2, total: 2))
        #expect(try runner.worker().run().finished == 2)
        #expect(try runner.enqueue().added == 0)
        #expect(try runner.worker().run().finished == 0)
        let p = try runner.progress()
        #expect(p.done == 2 && p.pending == 0 && p.failed == 0)
    }

    @Test func sweepAssignmentsBecomeTrainingConfigs() throws {
        let runner = try SweepDefinition(name: "s", yaml: """
            method: grid
            metric: {name: test_loss, goal: minimize}
            parameters:
              act: {values: [relu, frelu]}
              batch_size: {values: [64, 128]}
            recipe: {model: resnet20, epochs: 7}
            """)
        let config = try runner.config(for: ["act": .string("frelu"), "batch_size": .int(64)])!
        #expect(config.act == "frelu" && config.batchSize == 64 && config.model == "resnet20" && config.epochs == 7)
        #expect(throws: ExperimentError.self) {
            _ = try SweepDefinition(name: "s", yaml: "method: grid\nparameters:\n  colour: {values: [red]}\n")
        }
        // The recipe's 7 epochs never reach the default milestones 100 and 150: said, as for a grid.
        #expect(runner.warnings == runner.recipe.warnings && runner.warnings.count == 1 && runner.warnings[0].hasPrefix("multistep milestones 100, 150"))
        // Swept epochs decide per run; the recipe's figure alone says nothing true.
        let sweptEpochs = try SweepDefinition(name: "s", yaml: "method: grid\nparameters:\n  epochs: {values: [7, 200]}\nrecipe: {model: resnet20}\n")
        #expect(sweptEpochs.warnings.isEmpty)
        // Hyperband's bands at epochs 3 and 9 (W&B's indices 2 and 8 in a run's history): with 2-
        // or 3-epoch runs none comes before the last epoch, so no run would ever be stopped.
        func hyperband(epochs: Int) throws -> [String] {
            try SweepDefinition(name: "h", yaml: "method: grid\nmetric: {name: test_loss}\nearly_terminate: {type: hyperband, min_iter: 2, eta: 3}\n"
                                + "parameters:\n  lr: {values: [0.1, 0.2]}\nrecipe: {model: resnet20, schedule: cosine, epochs: \(epochs)}\n").warnings
        }
        #expect(try hyperband(epochs: 3) == ["early_terminate: its first band is after epoch 3 and runs have 3 epochs: no run is ever stopped early"])
        #expect(try hyperband(epochs: 2) == ["early_terminate: its first band is after epoch 3 and runs have 2 epochs: no run is ever stopped early"])
        #expect(try hyperband(epochs: 4).isEmpty)
    }

    /// Every value a sweep's runs can get is checked before the first run: each listed value, each
    /// range's two ends, and a grid's combinations. They used to fail one run at a time.
    @Test func sweepValuesAreCheckedBeforeTheFirstRun() throws {
        func refusal(_ parameters: String, method: String = "grid", recipe: String = "{model: resnet20, data: synthetic, synthetic_train: 64, batch_size: 16}") -> String? {
            do {
                _ = try SweepDefinition(name: "s", yaml: "method: \(method)\nmetric: {name: test_loss}\nparameters:\n\(parameters)\nrecipe: \(recipe)\n")
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal("  act: {values: [relu, frleu]}")?.hasPrefix("sweep parameter 'act', value frleu: invalid training config: act = frleu") == true)
        #expect(refusal("  lr: {distribution: uniform, min: -0.1, max: 0.2}", method: "random")?
            .hasPrefix("sweep parameter 'lr', value -0.1: invalid training config: lr = -0.1; expected a positive number") == true)
        #expect(refusal("  slots: {values: [all, after1x1]}\n  act: {value: frelu}", method: "bayes") ==
                "sweep parameter 'slots', value after1x1 (with act: frelu): invalid training config: slots = after1x1; expected all (resnet20 has activations after 3x3 convolutions only)")
        // Fine alone, wrong together: a batch of 128 needs 128 synthetic images, which the grid's other value gives.
        #expect(refusal("  batch_size: {values: [16, 128]}\n  synthetic_train: {values: [256, 64]}") ==
                "sweep grid combination {batch_size: 128, synthetic_train: 64}: invalid training config: synthetic_train = 64; expected at least the batch size 128 (an epoch needs a batch)")
        #expect(refusal("  act: {values: [relu, frelu]}\n  lr: {distribution: log_uniform_values, min: 0.001, max: 0.3}", method: "random") == nil)
    }
}
