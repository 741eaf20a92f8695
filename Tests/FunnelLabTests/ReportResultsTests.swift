import Foundation
import Testing
import FunnelTrain
import FunnelTestSupport
import FunnelStats
import FunnelCharts
@testable import FunnelLab

@Suite struct ReportDataTests {
    @Test func groupsRunsByStudyModelAndActivationWithTheBaselineFirst() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var runs = ReportFixture.studyRuns()
        runs.append(ReportFixture.Run(act: "mish", seed: 0, top1: [50], loss: [1], status: .failed))
        runs.append(ReportFixture.Run(act: "relu", seed: 9, top1: [40, 50], loss: [2, 1], status: .running, epochs: 30))
        try ReportFixture.store(runs, in: dir)
        let data = try ReportData.load(runDirectory: dir)
        #expect(data.acts == ["relu", "frelu", "swish"])
        #expect(data.baseline == "relu")
        #expect(data.studies == [ReportData.Study(dataset: "synthetic", epochs: 3)])
        #expect(data.groups.map(\.runs.count) == [3, 3, 3])
        #expect(data.group(data.studies[0], model: "resnet20", act: "frelu")?.finalAccuracy == ReportFixture.top1["frelu"])
        #expect(data.group(data.studies[0], model: "resnet20", act: "swish")?.finalLoss == ReportFixture.loss["swish"])
        // The failed and the running run are left out, each with its reason.
        #expect(data.excluded.map(\.reason) == ["failed: loss became nan", "running, 2 of 30 epochs done"])

        let unfinished = try ReportData.load(runDirectory: dir, includeUnfinished: true)
        #expect(unfinished.runs.count == 10)
        // The running run planned 30 epochs: a study of its own, not mixed with the 3-epoch runs.
        #expect(unfinished.studies.count == 2)
    }

    /// A run whose stored config this build cannot read (a newer build's key) is left out with the
    /// reason, not grouped by its activation alone in a study of unknown length.
    @Test func aRunWhoseConfigThisBuildCannotReadIsLeftOutWithTheReason() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ReportFixture.store(ReportFixture.studyRuns(), in: dir)
        // A finished ReLU run recorded by a newer build: its config holds a key this build does not know.
        let store = try RunStore(directory: dir)
        let config = try RunSpec.json(ReportFixture.defaultConfig(ReportFixture.Run(act: "relu", seed: 7, top1: [10, 20, 30], loss: [3, 2, 1])))
        let newer = try store.createRun(RunSpec(name: "resnet20-relu-s7", config: config.replacingOccurrences(of: "{", with: #"{"ema_decay":0.999,"#),
                                                model: "resnet20", act: "relu", dataset: "synthetic", seed: 7))
        for epoch in 1...3 {
            try store.appendEpoch(EpochRecord(runID: newer.id, epoch: epoch, trainLoss: 1, trainAcc: 10, testLoss: 1, testTop1: 10, testTop5: 50,
                                              lr: 0.1, seconds: 1, imagesPerSecond: 1000))
        }
        try store.finishRun(newer.id, checkpoint: nil)
        let data = try ReportData.load(runDirectory: dir)
        #expect(data.groups.map(\.runs.count) == [3, 3, 3])
        #expect(data.group(data.studies[0], model: "resnet20", act: "relu")?.finalAccuracy == ReportFixture.top1["relu"])
        #expect(data.excluded.map(\.run.id) == [newer.id])
        #expect(data.excluded.first?.reason.hasPrefix("its config is not one this build reads: unknown key 'ema_decay'") == true)
    }

    /// A run stored by a Funnel that took a placement its model lacks (`--stages 4` on ResNet-20)
    /// trained ReLU there under FReLU's name: left out with the reason, not reported as FReLU.
    @Test func aRunWhosePlacementItsModelLacksIsLeftOutWithTheReason() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var runs = ReportFixture.studyRuns()
        runs.append(ReportFixture.Run(act: "frelu", seed: 7, top1: [10, 20, 30], loss: [3, 2, 1]))
        _ = try ReportFixture.store(runs, in: dir) { run in
            var config = ReportFixture.defaultConfig(run)
            if run.seed == 7 { config.stages = [4] }
            return config
        }
        let data = try ReportData.load(runDirectory: dir)
        #expect(data.groups.map(\.runs.count) == [3, 3, 3])
        #expect(data.group(data.studies[0], model: "resnet20", act: "frelu")?.finalAccuracy == ReportFixture.top1["frelu"])
        #expect(data.excluded.map(\.run.spec.seed) == [7])
        #expect(data.excluded.map(\.reason) == ["its placement names what its model lacks (stages = [4]; expected stages of resnet20 in 1...3): it trained ReLU there"])
    }

    @Test func placementVariantsAreConfigurationsOfTheirOwnNotSeedsOfOneActivation() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var runs: [ReportFixture.Run] = []
        for (act, stages, se, top1) in [("relu", nil, false, 60.0), ("frelu", nil, false, 70), ("frelu", [1], false, 64),
                                        ("relu", nil, true, 62), ("frelu", [2, 3], true, 66)] as [(String, [Int]?, Bool, Double)] {
            for seed in 0..<2 {
                runs.append(ReportFixture.Run(act: act, seed: seed, top1: [top1 + Double(seed)], loss: [1], stages: stages, squeezeExcitation: se))
            }
        }
        try ReportFixture.store(runs, in: dir)
        let data = try ReportData.load(runDirectory: dir)
        #expect(data.acts == ["relu", "frelu", "frelu@stages=1", "relu@se", "frelu@stages=2,3@se"])
        #expect(data.groups.map(\.runs.count) == [2, 2, 2, 2, 2])
        let study = data.studies[0]
        #expect(data.group(study, model: "resnet20", act: "frelu@stages=1")?.finalAccuracy == [64, 65])
        #expect(data.group(study, model: "resnet20", act: "frelu@stages=1")?.activationSpec == "frelu")
        #expect(data.group(study, model: "resnet20", act: "frelu")?.finalAccuracy == [70, 71])
        #expect(ReportNames.activation("frelu@stages=1") == "FReLU (stage 1 only)")
        #expect(ReportNames.activation("frelu@stages=2,3@se") == "FReLU (stages 2, 3 only) + SE")
        #expect(ReportNames.activation("relu@se") == "ReLU + SE")
        #expect(ReportNames.activation("frelu@slots=after1x1") == "FReLU (after 1\u{00D7}1)")
        #expect(ActivationKind.of("relu@se") == .pointwise)
        // Each variant is tested against the baseline on its own.
        let table = ResultsTable(data: data, study: study)
        let difference = try #require(table.entry(model: "resnet20", act: "frelu@stages=1")?.top1VersusBaseline?.meanDifference)
        expectClose(difference, 64.5 - 60.5)
        // The page counts activations and configurations apart.
        let report = StudyReport(analysis: try StudyAnalysis(data: data, options: ReportPageTests.options()))
        #expect(report.page.keyFigures[0].detail == "2 activations, 5 configurations")
        #expect(report.page.html().contains("(model \u{00D7} activation and its placement \u{00D7} dataset)"))
    }

    /// A sweep's runs differ in optimizer and batch size: each combination is a configuration of its
    /// own (never seeds of one activation), named by the fields that differ; a run Hyperband stopped
    /// early is left out with its reason.
    @Test func runsThatDifferInTheirRecipeAreConfigurationsOfTheirOwn() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let runs = [("relu", TrainConfig.Optimizer.sgd, 128, 60.0), ("relu", .adam, 128, 50), ("relu", .sgd, 64, 62),
                    ("frelu", .sgd, 128, 70), ("frelu", .sgd, 128, 71)].enumerated().map { i, r in
            (ReportFixture.Run(act: r.0, seed: i, top1: [r.3 - 5, r.3], loss: [1.5, 1]), r.1, r.2)
        }
        let stopped = ReportFixture.Run(act: "frelu", seed: 9, top1: [30], loss: [2], epochs: 2)
        try ReportFixture.store(runs.map(\.0) + [stopped], in: dir) { run in
            var c = ReportFixture.defaultConfig(run)
            if let r = runs.first(where: { $0.0.seed == run.seed }) { c.optimizer = r.1; c.batchSize = r.2 }
            return c
        }
        let data = try ReportData.load(runDirectory: dir, baseline: "relu@batch_size=128@optimizer=sgd")
        #expect(data.acts == ["relu@batch_size=128@optimizer=sgd", "relu@batch_size=128@optimizer=adam",
                              "relu@batch_size=64@optimizer=sgd", "frelu@batch_size=128@optimizer=sgd"])
        #expect(data.groups.map(\.finalAccuracy) == [[60], [50], [62], [70, 71]])
        #expect(data.excluded.map(\.reason) == ["stopped early after 1 of 2 epochs"])
        #expect(ReportNames.activation(data.acts[1]) == "ReLU (batch size 128, optimizer adam)")
        // Runs that differ only in their seeds keep plain activation keys.
        #expect(ConfigurationKey.varyingFields([ReportFixture.defaultConfig(runs[3].0), ReportFixture.defaultConfig(runs[4].0)]).isEmpty)
    }

    @Test func curvesAreMeansAndStandardDeviationsPerEpoch() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ReportFixture.store(ReportFixture.studyRuns(), in: dir)
        let data = try ReportData.load(runDirectory: dir)
        let curve = try #require(data.group(data.studies[0], model: "resnet20", act: "relu")).curve("test_top1")
        #expect(curve.map(\.epoch) == [1, 2, 3])
        // Epoch 2 is each final value minus 10.
        let epoch2 = ReportFixture.top1["relu"]!.map { $0 - 10 }
        expectClose(curve[1].summary.mean, epoch2.reduce(0, +) / 3)
        expectClose(curve[1].summary.standardDeviation!, (19.0 / 12).squareRoot())
    }

    @Test func aMissingStoreOrNoUsableRunIsAnErrorThatSaysWhy() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: ReportError.noStore(dir.appendingPathComponent("runs.sqlite").path)) { try ReportData.load(runDirectory: dir) }
        try ReportFixture.store([ReportFixture.Run(act: "relu", seed: 0, top1: [50], loss: [1], status: .failed)], in: dir)
        let data = try ReportData.load(runDirectory: dir)
        do {
            _ = try StudyAnalysis(data: data)
            Issue.record("expected an error")
        } catch let error as ReportError {
            #expect(error.description.contains("no finished runs"))
            #expect(error.description.contains("resnet20-relu-s0 failed"))
        }
    }

    @Test func namesAreWrittenAsInThePapers() {
        #expect(ReportNames.activation("frelu") == "FReLU")
        #expect(ReportNames.activation("dyrelu_b") == "DY-ReLU-B")
        #expect(ReportNames.activation("dyrelu:variant=c,k=3") == "DY-ReLU-C (k=3)")
        #expect(ReportNames.activation("frelu:k=5") == "FReLU (k=5)")
        #expect(ReportNames.activation("serf") == "serf")
        #expect(ReportNames.model("resnet20") == "ResNet-20")
        #expect(ReportNames.dataset("cifar10-jpeg") == "CIFAR-10")
        #expect(ReportNames.dataset("cifar100-jpeg-coarse") == "CIFAR-100 (20 coarse classes)")
        #expect(ReportNames.shortLayer("layer2.1.act1") == "2.1.a1")
        #expect(ReportNames.shortLayer("act1") == "stem")
    }
}

@Suite struct ReportResultsTableTests {
    static func table() throws -> (ResultsTable, URL) {
        let dir = try ReportFixture.directory()
        try ReportFixture.store(ReportFixture.studyRuns(), in: dir)
        let data = try ReportData.load(runDirectory: dir)
        return (ResultsTable(data: data, study: data.studies[0]), dir)
    }

    @Test func meansStandardDeviationsAndCountsAreThoseOfTheRawValues() throws {
        let (table, dir) = try Self.table()
        defer { try? FileManager.default.removeItem(at: dir) }
        // By hand: 80, 81, 82.5 have mean 487/6 and deviations -7/6, -1/6, 8/6, so s² = (114/36) / 2 = 19/12.
        let relu = try #require(table.entry(model: "resnet20", act: "relu"))
        expectClose(relu.top1!.mean, 487.0 / 6)
        expectClose(relu.top1!.standardDeviation!, (19.0 / 12).squareRoot())
        #expect(relu.top1!.count == 3)
        for act in ["relu", "frelu", "swish"] {
            let e = try #require(table.entry(model: "resnet20", act: act))
            for (summary, raw) in [(e.top1!, ReportFixture.top1[act]!), (e.loss!, ReportFixture.loss[act]!)] {
                let mean = raw.reduce(0, +) / Double(raw.count)
                let sd = (raw.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(raw.count - 1)).squareRoot()
                expectClose(summary.mean, mean)
                expectClose(summary.standardDeviation!, sd)
            }
        }
    }

    @Test func pValuesAreWelchTestsAgainstTheBaselineHolmCorrected() throws {
        let (table, dir) = try Self.table()
        defer { try? FileManager.default.removeItem(at: dir) }
        let relu = ReportFixture.top1["relu"]!
        var raw: [String: Double] = [:]
        for act in ["frelu", "swish"] {
            let a = ReportFixture.top1[act]!
            let comparison = try #require(table.entry(model: "resnet20", act: act)?.top1VersusBaseline)
            let welch = try #require(WelchTest(a, relu))
            #expect(comparison.meanDifference == welch.meanDifference && comparison.standardError == welch.standardError)
            #expect(comparison.t == welch.t && comparison.degreesOfFreedom == welch.degreesOfFreedom && comparison.pValue == welch.pValue)
            #expect(comparison.confidenceInterval == welch.confidenceInterval(level: 0.95))
            // t and the Welch–Satterthwaite degrees of freedom by hand.
            let (ma, mb) = (a.reduce(0, +) / 3, relu.reduce(0, +) / 3)
            let va = a.map { ($0 - ma) * ($0 - ma) }.reduce(0, +) / 2, vb = relu.map { ($0 - mb) * ($0 - mb) }.reduce(0, +) / 2
            let t = (ma - mb) / (va / 3 + vb / 3).squareRoot()
            let df = (va / 3 + vb / 3) * (va / 3 + vb / 3) / ((va / 3) * (va / 3) / 2 + (vb / 3) * (vb / 3) / 2)
            expectClose(comparison.t, t, tolerance: 1e-12)
            expectClose(comparison.degreesOfFreedom, df, tolerance: 1e-12)
            raw[act] = welch.pValue
        }
        // Holm over the two comparisons with ReLU: the smaller p doubles, the larger stays (at least the first).
        let (small, large) = raw["frelu"]! < raw["swish"]! ? ("frelu", "swish") : ("swish", "frelu")
        let adjustedSmall = min(1, 2 * raw[small]!)
        let adjustedLarge = max(adjustedSmall, raw[large]!)
        expectClose(table.entry(model: "resnet20", act: small)!.top1VersusBaseline!.adjustedPValue, adjustedSmall)
        expectClose(table.entry(model: "resnet20", act: large)!.top1VersusBaseline!.adjustedPValue, adjustedLarge)
        // FReLU's gain is clear, Swish's is not.
        #expect(table.entry(model: "resnet20", act: "frelu")!.top1VersusBaseline!.isSignificant)
        #expect(!table.entry(model: "resnet20", act: "swish")!.top1VersusBaseline!.isSignificant)
        #expect(table.entry(model: "resnet20", act: "relu")!.top1VersusBaseline == nil)
    }

    @Test func bestPerColumnMarksAndCountsInTheHTMLTable() throws {
        let (table, dir) = try Self.table()
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = table.table()
        #expect(html.rows.map(\.header) == ["ReLU", "FReLU", "Swish"])
        #expect(html.columns.map(\.title) == ["top-1 (%)", "test loss"])
        #expect(html.bestRows(column: 0) == [1])   // FReLU's accuracy
        #expect(html.bestRows(column: 1) == [2])   // Swish's loss
        let tree = try #require(XMLTree.parse(html.html()))
        let best = tree.all("td").filter { $0["class"]?.contains("best") == true }
        #expect(best.count == 2)
        // The two best cells in bold (then the footnote's own "bold").
        #expect(tree.all("strong").map(\.text) == [String(format: "%.2f", (85.0 + 85.5 + 86) / 3), String(format: "%.3f", (0.38 + 0.39 + 0.41) / 3), "bold"])
        // Only significant differences from the baseline are marked.
        let significant = table.entries.flatMap { [$0.top1VersusBaseline, $0.lossVersusBaseline] }.filter { $0?.isSignificant == true }.count
        #expect(tree.all("sup", class: "mark").count == significant)
        #expect(tree.all("sup", class: "mark").allSatisfy { $0.text == "\u{2020}" })
        #expect(tree.all("span", class: "cell-note").map(\.text) == Array(repeating: "n=3", count: 6))
        // Top-1 marks: FReLU significant, Swish not (unmarked); ReLU, the baseline, has none.
        #expect(html.rows[0].cells[0].mark == nil)
        #expect(html.rows[1].cells[0].mark == "\u{2020}")
        #expect(html.rows[2].cells[0].mark == nil)
    }

    @Test func aSegmentationStudyIsRankedByMeanIoU() throws {
        // ReLU has the higher pixel accuracy (test_top1) and FReLU the higher mIoU: the table,
        // its tests and the curves must use mIoU.
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let miou: [String: [Double]] = ["relu": [20, 21, 22], "frelu": [30, 31, 32]]
        let runs = ["relu", "frelu"].flatMap { act in
            (0..<3).map { seed in
                ReportFixture.Run(act: act, seed: seed, top1: act == "relu" ? [70, 80] : [60, 65], loss: [1, 0.9],
                                  model: "resnet20", dataset: "scenes-synthetic", meanIoU: [miou[act]![seed] - 5, miou[act]![seed]])
            }
        }
        try ReportFixture.store(runs, in: dir)
        let data = try ReportData.load(runDirectory: dir)
        let table = ResultsTable(data: data, study: data.studies[0])
        #expect(table.accuracy == .meanIoU)
        #expect(table.entry(model: "resnet20", act: "frelu")?.top1Values == miou["frelu"])
        #expect(abs((table.entry(model: "resnet20", act: "relu")?.top1?.mean ?? 0) - 21) < 1e-9)
        #expect(table.top1Rankings["resnet20"]?.entries.first?.name == "frelu")
        #expect(table.table().columns.map(\.title) == ["mIoU (%)", "test loss"])
        let curves = LearningCurves(data: data, study: data.studies[0], model: "resnet20")
        #expect(curves.accuracy["frelu"]?.map(\.summary.mean) == [26, 31])
        #expect(curves.accuracyChart(colors: [:]).y.title == "mIoU (%)")
    }

    @Test func theRankingSaysWhichDifferencesAreWithinNoise() throws {
        let (table, dir) = try Self.table()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sentences = table.rankingSentences(model: "resnet20")
        #expect(sentences.count == 2)
        #expect(sentences[0].hasPrefix("**FReLU** has the highest mean top-1"))
        #expect(sentences[0].contains("Significantly lower"))
        let significance = table.significanceTable(model: "resnet20")
        #expect(significance.rows.map(\.header) == ["FReLU", "Swish", "ReLU"])
        #expect(significance.rows[2].cells[3].text == "baseline")
        #expect(significance.rows[0].cells.last?.text == "best")
        // The verdicts against the best carry its Holm-adjusted p-value.
        let ranking = try #require(table.top1Rankings["resnet20"])
        for (row, entry) in zip(significance.rows, ranking.entries).dropFirst() {
            let verdict = entry.isTiedWithBest == true ? "tied" : "lower"
            #expect(row.cells.last?.text == verdict)
            #expect(row.cells.last?.note == ReportFormat.pEquals(entry.versusBest!.adjustedPValue))
        }
        #expect(significance.rows[1].cells[5].mark == "n.s.")   // Swish against ReLU, Holm
    }

    @Test func singleRunsAreShownButNotTested() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ReportFixture.store(ReportFixture.studyRuns().filter { $0.seed == 0 }, in: dir)
        let data = try ReportData.load(runDirectory: dir)
        let table = ResultsTable(data: data, study: data.studies[0])
        #expect(!table.hasReplicates)
        #expect(table.entries.allSatisfy { $0.top1VersusBaseline == nil && $0.top1?.standardDeviation == nil })
        #expect(table.table().rows.flatMap(\.cells).allSatisfy { $0.mark == nil && $0.note == "n=1" })
        let sentences = table.rankingSentences(model: "resnet20")
        #expect(sentences.last?.contains("no difference can be tested") == true)
        #expect(sentences.filter { $0.contains("no difference can be tested") }.count == 1)
    }
}
