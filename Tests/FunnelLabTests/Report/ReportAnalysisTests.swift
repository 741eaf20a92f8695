import Foundation
import Testing
import FunnelTestSupport
import FunnelTrain
@testable import FunnelLab

/// One analysis with every section but the ImageNet counts (seconds in a debug build): ReLU and
/// Swish over two seeds, FReLU and DY-ReLU with checkpoints, computed once for the suite.
enum AnalysisFixture {
    static let computed = Result { try compute() }

    static func compute() throws -> StudyAnalysis {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let frelu = try ReportInspectionTests.checkpoint("frelu", in: dir).0
        let dyrelu = try ReportInspectionTests.checkpoint("dyrelu_b", in: dir).0
        try ReportFixture.store([
            ReportFixture.Run(act: "relu", seed: 0, top1: [30, 40], loss: [2, 1.5], imagesPerSecond: 1000),
            ReportFixture.Run(act: "relu", seed: 1, top1: [31, 42], loss: [1.9, 1.45], imagesPerSecond: 1010),
            ReportFixture.Run(act: "swish", seed: 0, top1: [33, 41], loss: [1.8, 1.3], imagesPerSecond: 900),
            ReportFixture.Run(act: "swish", seed: 1, top1: [32, 44], loss: [1.85, 1.35], imagesPerSecond: 905),
            ReportFixture.Run(act: "frelu", seed: 0, top1: [35, 45], loss: [1.9, 1.4], imagesPerSecond: 600),
            ReportFixture.Run(act: "dyrelu_b", seed: 0, top1: [32, 41], loss: [2.1, 1.6], imagesPerSecond: 500),
        ], in: dir, checkpoints: ["resnet20-frelu-s0": frelu, "resnet20-dyrelu_b-s0": dyrelu]) { run in
            var c = ReportInspectionTests.config(run.act)
            c.epochs = 2
            c.seed = UInt64(run.seed)
            return c
        }
        var options = StudyAnalysis.Options()
        options.imagenetComplexity = false
        options.sampleImages = 3
        options.dynamicImages = 6
        options.attackImages = 2
        options.command = "funnel report --run-dir runs"
        return try StudyAnalysis(data: try ReportData.load(runDirectory: dir), options: options)
    }

    /// Reads a CSV file as written by `FigureData` (quoted fields may hold commas and quotes).
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            var fields: [String] = [], field = "", quoted = false
            var characters = Array(line)[...]
            while let c = characters.popFirst() {
                if quoted {
                    if c == "\"" {
                        if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
                    } else {
                        field.append(c)
                    }
                } else if c == "\"" {
                    quoted = true
                } else if c == "," {
                    fields.append(field)
                    field = ""
                } else {
                    field.append(c)
                }
            }
            fields.append(field)
            rows.append(fields)
        }
        return rows
    }
}

@Suite struct ReportAnalysisTests {
    @Test func thePageIsDrawnFromTheAnalysisAloneAndTheSameFromItsJSON() throws {
        let analysis = try AnalysisFixture.computed.get()
        let json = try analysis.json()
        let decoded = try StudyAnalysis(json: json, file: "report-analysis.json")
        // Deterministic: the decoded analysis encodes to the same bytes.
        #expect(try decoded.json() == json)
        let direct = StudyReport(analysis: analysis, figuresFolderName: "report-figures", analysisFileName: "report-analysis.json")
        let again = StudyReport(analysis: decoded, figuresFolderName: "report-figures", analysisFileName: "report-analysis.json")
        #expect(direct.page.sections.map(\.title) == ["Overview", "Results", "Learning curves", "Cost against accuracy", "Activation shapes",
                                                      "Inside FReLU", "Inside DY-ReLU", "Robustness"])
        #expect(direct.omissions == ["ImageNet models' parameters and FLOPs: not counted (turned off)."])
        let html = direct.page.html()
        #expect(html.contains("Generated"))
        #expect(html.contains("<code>report-analysis.json</code>"))
        #expect(again.page.html() == html)
        #expect(again.figures.map(\.name) == direct.figures.map(\.name))
        #expect(direct.figures.count == 11)
        for (a, b) in zip(direct.figures, again.figures) {
            #expect(a.chart.svg() == b.chart.svg(), "\(a.name)")
            #expect(a.data == b.data, "\(a.name)")
        }
    }

    /// The page names the Funnel build that trained its runs. Several builds (figures that may
    /// compare different code), runs resumed by another build, uncommitted edits and runs with no
    /// commit are said in the overview; a failed run, which no figure uses, does not count.
    @Test func thePageNamesTheBuildsThatTrainedItsRuns() throws {
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func page(_ name: String, _ runs: [ReportFixture.Run]) throws -> (analysis: StudyAnalysis, html: String) {
            let folder = dir.appendingPathComponent(name)
            try ReportFixture.store(runs, in: folder)
            var options = StudyAnalysis.Options()
            options.imagenetComplexity = false
            let analysis = try StudyAnalysis(data: try ReportData.load(runDirectory: folder), options: options)
            let read = try StudyAnalysis(json: try analysis.json(), file: "a.json")
            #expect(read.builds == analysis.builds && read.runsOfSeveralBuilds == analysis.runsOfSeveralBuilds)
            return (analysis, StudyReport(analysis: analysis, figuresFolderName: nil, analysisFileName: nil).page.html())
        }
        let one = try page("one", [ReportFixture.Run(act: "relu", seed: 0, top1: [30, 40], loss: [2, 1.5]),
                                   ReportFixture.Run(act: "frelu", seed: 0, top1: [35, 45], loss: [1.9, 1.4])])
        #expect(one.analysis.builds == [.init(commit: "0123456789ab", runs: 2)])
        #expect(one.html.contains("<dt>Funnel commit</dt><dd><code>0123456789ab</code></dd>"))
        #expect(!one.html.contains("Funnel builds") && !one.html.contains("no commit recorded"))

        let mixed = try page("mixed", [
            ReportFixture.Run(act: "relu", seed: 0, top1: [30, 40], loss: [2, 1.5], commit: "aaaaaaaaaaaa"),
            ReportFixture.Run(act: "relu", seed: 1, top1: [31, 42], loss: [1.9, 1.45], commit: "aaaaaaaaaaaa"),
            ReportFixture.Run(act: "frelu", seed: 0, top1: [35, 45], loss: [1.9, 1.4], commit: "bbbbbbbbbbbb-dirty"),
            ReportFixture.Run(act: "frelu", seed: 1, top1: [34, 44], loss: [1.95, 1.42], commit: nil),
            ReportFixture.Run(act: "frelu", seed: 2, top1: [10], loss: [9], status: .failed, commit: "cccccccccccc"),
        ])
        #expect(mixed.analysis.builds == [.init(commit: "aaaaaaaaaaaa", runs: 2), .init(commit: "bbbbbbbbbbbb-dirty", runs: 1),
                                          .init(commit: nil, runs: 1)])
        #expect(mixed.html.contains("<dt>Funnel commits</dt><dd>aaaaaaaaaaaa (2 runs), bbbbbbbbbbbb-dirty (1 run), none recorded (1 run)</dd>"))
        #expect(mixed.html.contains("The runs used were trained by 3 Funnel builds"))
        #expect(mixed.html.contains("uncommitted edits") && mixed.html.contains("no commit recorded"))
        #expect(!mixed.html.contains("cccccccccccc"))
        #expect(mixed.analysis.runsOfSeveralBuilds == [] && !mixed.html.contains("resumed by another build"))

        // A run started by one build and resumed by another counts for both, and is named.
        let resumed = try page("resumed", [
            ReportFixture.Run(act: "relu", seed: 0, top1: [30, 40, 45], loss: [2, 1.5, 1.4], commit: "aaaaaaaaaaaa",
                              epochCommits: ["aaaaaaaaaaaa", "dddddddddddd", "dddddddddddd"]),
            ReportFixture.Run(act: "frelu", seed: 0, top1: [35, 45, 50], loss: [1.9, 1.4, 1.3], commit: "aaaaaaaaaaaa",
                              epochCommits: ["aaaaaaaaaaaa", "aaaaaaaaaaaa", nil]),
        ])
        #expect(resumed.analysis.builds == [.init(commit: "aaaaaaaaaaaa", runs: 2), .init(commit: "dddddddddddd", runs: 1)])
        #expect(resumed.analysis.runsOfSeveralBuilds == ["resnet20-relu-s0"])
        #expect(resumed.html.contains("The runs used were trained by 2 Funnel builds")
                && resumed.html.contains("One run was resumed by another build than the one that started it")
                && resumed.html.contains("resnet20-relu-s0"))
    }

    @Test func everyFiguresCSVHoldsTheAnalysisNumbers() throws {
        let analysis = try AnalysisFixture.computed.get()
        let dir = try ReportFixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = StudyReport(analysis: analysis)
        try report.write(to: dir.appendingPathComponent("report.html"))
        let folder = StudyReport.figuresDirectory(for: dir.appendingPathComponent("report.html"))
        func csv(_ name: String) throws -> (header: [String], rows: [[String]]) {
            let figure = try #require(report.figures.first { $0.name.hasSuffix(name) }, "no figure \(name)")
            let rows = AnalysisFixture.parseCSV(try String(contentsOf: folder.appendingPathComponent(figure.name + ".csv"), encoding: .utf8))
            #expect(rows.dropFirst().allSatisfy { $0.count == rows[0].count }, "\(name): ragged rows")
            return (rows[0], Array(rows.dropFirst()))
        }

        // Learning curves: a row per activation and epoch, the mean and standard deviation of the analysis.
        let curves = try #require(analysis.curves.first)
        let accuracy = try csv("curves-accuracy-synthetic-resnet20")
        #expect(accuracy.header == ["dataset", "epochs", "model", "act", "epoch", "mean", "std", "runs"])
        let expected = curves.acts.flatMap { act in curves.accuracy[act]!.map { (act, $0) } }
        #expect(accuracy.rows.count == expected.count && expected.count == 8)
        for (row, (act, point)) in zip(accuracy.rows, expected) {
            #expect(row[0...4] == ["synthetic", "2", "resnet20", act, "\(point.epoch)"])
            #expect(Double(row[5]) == point.summary.mean)
            #expect(row[6] == (point.summary.standardDeviation.map { "\($0)" } ?? ""))
            #expect(Int(row[7]) == point.summary.count)
        }
        // ReLU's last epoch by hand: 40 and 42.
        #expect(accuracy.rows[1][5] == "41.0" && Double(accuracy.rows[1][6]) == 2.0.squareRoot())

        // Cost: images per second and top-1 of every activation.
        let cost = try #require(analysis.costs.first)
        let scatter = try csv("cost-scatter-synthetic-resnet20")
        #expect(scatter.rows.map { $0[3] } == cost.rows.map(\.act))
        for (row, cost) in zip(scatter.rows, cost.rows) {
            #expect(Double(row[4]) == cost.imagesPerSecond?.mean && Double(row[6]) == cost.top1?.mean)
        }
        let relative = try csv("cost-relative-synthetic-resnet20")
        let frelu = try #require(cost.rows.first { $0.act == "frelu" }), relu = try #require(cost.rows.first { $0.act == "relu" })
        let freluRow = try #require(relative.rows.first { $0[3] == "frelu" })
        #expect(Int(freluRow[5]) == frelu.flops && Double(freluRow[8]) == Double(frelu.flops) / Double(relu.flops))

        // Activation shapes: every sample of every pointwise activation.
        let shapes = try #require(analysis.shapes)
        let sheet = try csv("activation-shapes")
        #expect(sheet.rows.count == shapes.curves.count * 321)
        #expect(sheet.rows.map { [$0[0], $0[1], $0[2], $0[3]] } == shapes.curves.flatMap { c in c.x.indices.map { [c.spec, "\(c.x[$0])", "\(c.y[$0])", "\(c.dy[$0])"] } })

        // FReLU's condition per layer, and the DY-ReLU points drawn.
        let condition = try #require(analysis.frelu?.value.condition)
        #expect(try csv("frelu-condition-share").rows.map { [$0[0], $0[1]] } == condition.shares.map { [$0.path, "\($0.share)"] })
        let fraction = try csv("frelu-condition-fraction")
        #expect(fraction.rows.count == condition.maps.count * condition.height * condition.width)
        #expect(fraction.rows.map { Double($0[4])! } == condition.maps.flatMap { $0 })
        let dyrelu = try #require(analysis.dyrelu?.value)
        let points = try csv("dyrelu-dynamic")
        #expect(points.rows.map { [Double($0[4])!, Double($0[5])!] } == dyrelu.blocks.flatMap { $0.points.flatMap { $0.map { [$0.x, $0.y] } } })
    }

    @Test func aBadAnalysisFileNamesTheFieldWhatWasExpectedAndWhatWasFound() throws {
        let analysis = try AnalysisFixture.computed.get()
        let good = try JSONSerialization.jsonObject(with: try analysis.json()) as! [String: Any]
        func error(_ change: (inout [String: Any]) -> Void) throws -> String {
            var object = good
            change(&object)
            let json = try JSONSerialization.data(withJSONObject: object)
            do {
                _ = try StudyAnalysis(json: json, file: "a.json")
                return "no error"
            } catch let error as AnalysisFileError {
                return error.description
            }
        }
        #expect(try error { _ in } == "no error")
        #expect(try error { o in
            var facts = o["facts"] as! [String: Any]
            facts["runs"] = "six"
            o["facts"] = facts
        } == "[report] a.json: field facts.runs: expected an integer, found a string (\"six\")")
        #expect(try error { o in
            var header = o["header"] as! [String: Any]
            header.removeValue(forKey: "title")
            o["header"] = header
        } == "[report] a.json: field header.title: missing (expected in header)")
        #expect(try error { o in
            var results = o["results"] as! [[String: Any]]
            var entries = results[0]["entries"] as! [[String: Any]]
            entries[1]["top1"] = [1, 2]
            results[0]["entries"] = entries
            o["results"] = results
        } == "[report] a.json: field results[0].entries[1].top1: expected an object, found an array of 2")
        // Foundation's own checks (an interval upside down) get what the file holds added.
        let interval = try error { o in
            var results = o["results"] as! [[String: Any]]
            var entries = results[0]["entries"] as! [[String: Any]]
            var top1 = entries[0]["top1"] as! [String: Any]
            top1["confidenceInterval"] = [3, 1]
            entries[0]["top1"] = top1
            results[0]["entries"] = entries
            o["results"] = results
        }
        #expect(interval.hasPrefix("[report] a.json: field results[0].entries[0].top1.confidenceInterval: ") && interval.hasSuffix("; found an array of 2"), "\(interval)")
        #expect(try error { o in o["formatVersion"] = 7 }
            == "[report] a.json: field formatVersion: expected 1, found 7 (written by another version of funnel)")
        // Sizes the charts rely on are checked too: a picture's bytes, a map's values.
        #expect(try error { o in
            var frelu = o["frelu"] as! [String: Any], value = frelu["value"] as! [String: Any], condition = value["condition"] as! [String: Any]
            var pictures = condition["pictures"] as! [[String: Any]]
            pictures[0]["pixels"] = Data([1, 2, 3]).base64EncodedString()
            condition["pictures"] = pictures
            value["condition"] = condition
            frelu["value"] = value
            o["frelu"] = frelu
        } == "[report] a.json: field frelu.value.condition.pictures[0].pixels: expected 3072 bytes for a 32x32 RGB picture, found 3")
        #expect(try error { o in
            var frelu = o["frelu"] as! [String: Any], value = frelu["value"] as! [String: Any], condition = value["condition"] as! [String: Any]
            var maps = condition["maps"] as! [[Double]]
            maps[1].removeLast()
            condition["maps"] = maps
            value["condition"] = condition
            frelu["value"] = value
            o["frelu"] = frelu
        } == "[report] a.json: field frelu.value.condition.maps[1]: expected 32\u{00D7}32 values, found 1023")
        #expect(throws: AnalysisFileError(file: "a.json", field: nil, problem: "not JSON (The given data was not valid JSON.)")) {
            try StudyAnalysis(json: Data("{\"formatVersion\": 1,".utf8), file: "a.json")
        }
    }

    @Test func theImageNetCountsSurviveTheirJSON() throws {
        // Counting the models takes seconds in a debug build: stand-in counts, as in ReportPageTests.
        let table = ComplexityTable(rows: [
            ComplexityTable.Row(configuration: .init(model: "resnet50_imagenet", act: "relu"), parameters: 25_557_032, flops: 3_858_000_000,
                                paper: ComplexityTable.paper[0]),
            ComplexityTable.Row(configuration: .init(model: "resnet50_imagenet", act: "frelu", placement: .init(stages: [2, 1], slots: .after3x3), note: "3\u{00D7}3 slots"),
                                parameters: 25_600_000, flops: 3_878_000_000, paper: ComplexityTable.paper[1]),
        ])
        let decoded = try JSONDecoder().decode(ComplexityTable.self, from: try JSONEncoder().encode(table))
        #expect(decoded.rows.map(\.configuration.placement) == table.rows.map(\.configuration.placement))
        #expect(decoded.rows[1].configuration.placement.stages == [1, 2])
        #expect(decoded.table().html() == table.table().html())
        #expect(decoded.matchingNotes() == table.matchingNotes())
    }
}
