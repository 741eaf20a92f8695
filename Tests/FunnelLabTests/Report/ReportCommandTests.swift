import Foundation
import Testing
@testable import FunnelLab

/// `funnel report` writes the analysis beside the page, and `--from-analysis` draws the same page
/// from it without the runs.
@Suite struct ReportCommandTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-report-cli-\(UUID().uuidString.prefix(8))")

    func funnel(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try FunnelProcess(arguments, logDirectory: directory).wait()
    }

    /// Every file under `folder`, by path relative to it.
    func files(_ folder: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let url = folder.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                for (inner, data) in try files(url) { out[name + "/" + inner] = data }
            } else {
                out[name] = try Data(contentsOf: url)
            }
        }
        return out
    }

    @Test func aPageDrawnFromItsAnalysisIsThePageItself() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let runs = directory.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
        try ReportFixture.store(ReportFixture.studyRuns(), in: runs)
        let first = directory.appendingPathComponent("first"), second = directory.appendingPathComponent("second")
        let computed = try funnel(["report", "--run-dir", runs.path, "--out", first.appendingPathComponent("report.html").path, "--skip-imagenet"])
        try #require(computed.status == 0, "\(computed.output)")
        let analysis = first.appendingPathComponent("report-analysis.json")
        // The runs are gone: the second page can only come from the analysis.
        try FileManager.default.removeItem(at: runs)
        let drawn = try funnel(["report", "--from-analysis", analysis.path, "--out", second.appendingPathComponent("report.html").path])
        try #require(drawn.status == 0, "\(drawn.output)")

        let (a, b) = (try files(first), try files(second))
        #expect(a.keys.sorted() == b.keys.sorted())
        // The page, its analysis, and an SVG and a CSV per figure (2 curves, 2 cost, 1 shapes).
        #expect(a.count == 2 + 2 * 5)
        #expect(a.keys.contains("report-figures/01-curves-accuracy-synthetic-resnet20.csv"))
        for name in a.keys.sorted() {
            #expect(a[name] == b[name], "\(name) differs")
        }
        // The date is the analysis's, so it is on both pages.
        let html = String(decoding: try #require(b["report.html"]), as: UTF8.self)
        #expect(html.contains("<dt>Generated</dt>"))
        #expect(html.contains("<code>report-analysis.json</code>"))
        #expect(drawn.output.contains("wrote \(second.appendingPathComponent("report.html").path)"))
    }

    @Test func fromAnalysisNeedsNoRunDirectoryAndRefusesComputingOptions() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = try funnel(["report", "--out", directory.appendingPathComponent("r.html").path])
        #expect(missing.status == 64)
        #expect(missing.output.hasPrefix("Error: Missing expected argument '--run-dir <run-dir>' (or --from-analysis <json>)"), "\(missing.output)")
        let both = try funnel(["report", "--from-analysis", "a.json", "--run-dir", "runs"])
        #expect(both.status == 64)
        #expect(both.output.hasPrefix("Error: --run-dir with --from-analysis a.json: the page is drawn from the analysis as it was computed"), "\(both.output)")

        // A file that is not an analysis: the file, the field, what was expected and what was found.
        let bad = directory.appendingPathComponent("bad-analysis.json")
        try Data("{\"formatVersion\": 1, \"header\": {\"title\": 3}}".utf8).write(to: bad)
        let read = try funnel(["report", "--from-analysis", bad.path, "--out", directory.appendingPathComponent("r.html").path])
        #expect(read.status == 1)
        #expect(read.output == "Error: [report] \(bad.path): field header.title: expected a string, found a number (3)\n", "\(read.output)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("r.html").path))
        let baseline = try funnel(["report", "--from-analysis", "a.json", "--baseline", "swish"])
        #expect(baseline.output.hasPrefix("Error: --baseline with --from-analysis a.json"), "\(baseline.output)")
    }

    /// A baseline named on the command line that no run has is an error; the page used to say
    /// "No ReLU runs" beside the ReLU runs and test nothing. Left out, the default (ReLU) is only
    /// used where there are ReLU runs.
    @Test func aBaselineNoRunHasIsAnError() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let runs = directory.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
        try ReportFixture.store([ReportFixture.Run(act: "relu", seed: 0, top1: [30, 40], loss: [2, 1.5]),
                                 ReportFixture.Run(act: "frelu", seed: 0, top1: [35, 45], loss: [1.9, 1.4])], in: runs)
        let page = directory.appendingPathComponent("r.html")
        let typo = try funnel(["report", "--run-dir", runs.path, "--out", page.path, "--skip-imagenet", "--baseline", "frleu"])
        #expect(typo.status == 64)
        #expect(typo.output.hasPrefix("Error: --baseline 'frleu': no run of this report has it; its activations: relu, frelu"), "\(typo.output)")
        #expect(!FileManager.default.fileExists(atPath: page.path))
    }
}
