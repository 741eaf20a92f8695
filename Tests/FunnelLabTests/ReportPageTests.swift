import Foundation
import Testing
import FunnelCharts
import FunnelModels
import FunnelTrain
import FunnelTestSupport
@testable import FunnelLab

@Suite struct ReportPageTests {
    static func options() -> StudyAnalysis.Options {
        var options = StudyAnalysis.Options()
        options.imagenetComplexity = false
        options.date = nil
        return options
    }

    @Test func learningCurvesHaveOneSeriesPerActivationWithBands() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ReportFixture.store(ReportFixture.studyRuns(), in: dir)
        let data = try ReportData.load(runDirectory: dir)
        let curves = LearningCurves(data: data, study: data.studies[0], model: "resnet20")
        #expect(curves.hasBands)
        #expect(curves.runCounts == 3...3)
        for chart in [curves.accuracyChart(colors: [:]), curves.lossChart(colors: [:])] {
            let tree = try #require(XMLTree.parse(chart.svg()))
            #expect(tree.all("path", class: "series").map { $0["data-name"] } == ["ReLU", "FReLU", "Swish"])
            #expect(tree.all("path", class: "band").count == 3)
        }
        // The band of ReLU's accuracy is mean ± std at each epoch.
        let marks = curves.accuracyChart(colors: [:]).marks
        let (band, relu) = (try #require(marks.first as? Band), try #require(marks.compactMap { $0 as? Line }.first))
        #expect(band.name == "ReLU" && relu.name == "ReLU")
        let sd = (19.0 / 12).squareRoot()
        expectClose(band.upper[2] - relu.y[2], sd)
        expectClose(relu.y[2] - band.lower[2], sd)
        // One run per activation: lines without bands.
        let single = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: single) }
        try ReportFixture.store(ReportFixture.studyRuns().filter { $0.seed == 0 }, in: single)
        let singleData = try ReportData.load(runDirectory: single)
        let lines = LearningCurves(data: singleData, study: singleData.studies[0], model: "resnet20").accuracyChart(colors: [:])
        #expect(lines.marks.count == 3 && lines.marks.allSatisfy { $0 is Line })
    }

    @Test func thePageIsSelfContainedAndLeavesOutWhatHasNoData() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ReportFixture.store(ReportFixture.studyRuns(), in: dir)
        let data = try ReportData.load(runDirectory: dir)
        let report = StudyReport(analysis: try StudyAnalysis(data: data, options: Self.options()))
        let html = report.page.html()
        #expect(XMLCheck.parses(html))
        for external in ["http:", "https:", "src=", "<script", "<link", "url("] {
            #expect(!html.contains(external), "page refers to something outside: \(external)")
        }
        let titles = report.page.sections.map(\.title)
        #expect(titles == ["Overview", "Results", "Learning curves", "Cost against accuracy", "Activation shapes"])
        // FReLU ran but left no checkpoint; no DY-ReLU ran; ImageNet counting was turned off.
        #expect(report.omissions.count == 3)
        #expect(report.omissions[0].hasPrefix("Inside FReLU: no FReLU run has a checkpoint file"))
        #expect(report.omissions[1] == "Inside DY-ReLU: no DY-ReLU run among these runs.")
        #expect(report.omissions[2].hasPrefix("ImageNet models"))
        // The page says what it left out.
        #expect(html.contains("Left out of this report:"))
        #expect(html.contains("<li>Inside DY-ReLU: no DY-ReLU run among these runs.</li>"))
        #expect(html.contains("Table 1."))
        // Key figures: runs, best top-1, significance against ReLU, FReLU's step cost.
        #expect(report.page.keyFigures.map(\.label) == ["Runs", "Best mean top-1", "Significant vs ReLU", "FReLU training step"])
        #expect(report.page.keyFigures[2].value == "1 of 2")
        // FReLU's recorded step time against ReLU's: images/s are 1000, 1010, 1020 against 600, 610, 620.
        #expect(report.page.keyFigures[3].value == String(format: "%.2f\u{00D7}", 1010.0 / 610.0))
    }

    @Test func onlyTheSectionsThatHaveDataAppear() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Neither a baseline nor a pointwise activation nor FReLU: just DY-ReLU, one run.
        try ReportFixture.store([ReportFixture.Run(act: "dyrelu_b", seed: 0, top1: [40, 50], loss: [2, 1])], in: dir)
        let data = try ReportData.load(runDirectory: dir)
        #expect(data.baseline == nil)
        let report = StudyReport(analysis: try StudyAnalysis(data: data, options: Self.options()))
        #expect(report.page.sections.map(\.title) == ["Overview", "Results", "Learning curves", "Cost against accuracy"])
        #expect(report.omissions.contains { $0.hasPrefix("Activation shapes: none of the runs' activations is pointwise") })
        #expect(report.omissions.contains("Inside FReLU: no FReLU run among these runs."))
        #expect(report.omissions.contains("Inside DY-ReLU: no DY-ReLU run has a checkpoint file."))
        #expect(XMLCheck.parses(report.page.html()))
    }

    @Test func writesThePageAndEveryFigureAsAnSVGFileWithItsData() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ReportFixture.store(ReportFixture.studyRuns(), in: dir)
        let report = StudyReport(analysis: try StudyAnalysis(data: try ReportData.load(runDirectory: dir), options: Self.options()))
        let page = dir.appendingPathComponent("out/report.html")
        try FileManager.default.createDirectory(at: page.deletingLastPathComponent(), withIntermediateDirectories: true)
        let written = try report.write(to: page)
        let folder = dir.appendingPathComponent("out/report-figures")
        #expect(StudyReport.figuresDirectory(for: page).path == folder.path)
        #expect(written.first == page)
        #expect(written.count == 2 * report.figures.count + 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files == report.figures.flatMap { [$0.name + ".csv", $0.name + ".svg"] }.sorted())
        #expect(files.first == "01-curves-accuracy-synthetic-resnet20.csv")
        for file in files where file.hasSuffix(".svg") {
            let data = try Data(contentsOf: folder.appendingPathComponent(file))
            #expect(XMLCheck.parses(data), "\(file) is not well-formed")
            #expect(String(decoding: data.prefix(40), as: UTF8.self).hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        }
        // Every figure of the page is also a file, and the page holds the same drawing inline.
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.components(separatedBy: "<figure id=\"fig-").count - 1 == 3)
        #expect(report.figures.count == 5)
    }

    @Test func costTableCountsParametersAndFLOPsOfTheModelsAsTrained() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ReportFixture.store(ReportFixture.studyRuns(), in: dir)
        let data = try ReportData.load(runDirectory: dir)
        let cost = try CostAccuracy(data: data, study: data.studies[0])
        let relu = try #require(cost.rows.first { $0.act == "relu" })
        let frelu = try #require(cost.rows.first { $0.act == "frelu" })
        // ResNet-20 has 19 activations over 16 + 6x16 + 6x32 + 6x64 = 688 channels; FReLU adds
        // C·9 + C + 2C parameters and C·9·H·W multiply-adds per activation (REFERENCE §2).
        #expect(frelu.parameters - relu.parameters == 688 * 12)
        #expect(frelu.flops - relu.flops == 9 * (16 * 1024 + 6 * 16 * 1024 + 6 * 32 * 256 + 6 * 64 * 64))
        // Recorded step time: batch 128 over the mean of the runs' images per second.
        expectClose(relu.stepSeconds!, 128 / 1010.0)
        expectClose(relu.imagesPerSecond!.mean, 1010)
        #expect(cost.relativeCost(model: "resnet20") != nil)
        let table = cost.table()
        #expect(table.rows.map(\.header) == ["ReLU", "FReLU", "Swish"])
        #expect(table.rows[1].cells[5].value.map { abs($0 - 1010.0 / 610.0) < 1e-9 } == true)
    }

    @Test func complexityTableSetsCountsBesideThePapersFigures() throws {
        // Counting the ImageNet models takes seconds in a debug build; the table is checked on
        // stand-in counts, and the paper's figures on their printed values.
        let rows = [
            ComplexityTable.Row(configuration: .init(model: "resnet50_imagenet", act: "relu"), parameters: 25_557_032, flops: 3_858_000_000,
                                paper: ComplexityTable.paper[0]),
            ComplexityTable.Row(configuration: .init(model: "resnet50_imagenet", act: "frelu"), parameters: 25_830_000, flops: 3_940_000_000,
                                paper: ComplexityTable.paper[1]),
            ComplexityTable.Row(configuration: .init(model: "resnet50_imagenet", act: "frelu", placement: .init(slots: .after3x3), note: "after 3\u{00D7}3 only"),
                                parameters: 25_600_000, flops: 3_878_000_000, paper: ComplexityTable.paper[1]),
        ]
        let table = ComplexityTable(rows: rows).table()
        #expect(table.rows.map(\.header) == ["ResNet-50", "", ""])
        #expect(table.rows[0].cells[2].text == "25.5M")
        #expect(table.rows[1].cells[4].text == "3.87G")
        #expect(table.rows[2].cells[2].text == "\u{2014}")   // no paper figure for the variant
        #expect(ComplexityTable.paper.first { $0.model == "resnet101_imagenet" && $0.act == "frelu" }?.flops == 7.6e9)
        let notes = ComplexityTable(rows: rows).matchingNotes()
        #expect(notes == ["ResNet-50: the paper's 3.87G with FReLU is matched by FReLU (after 3\u{00D7}3 only): 3.88G."])
    }
}
