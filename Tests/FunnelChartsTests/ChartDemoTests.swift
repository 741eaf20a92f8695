import Foundation
import Testing
import FunnelTestSupport
@testable import FunnelCharts

/// Writes the demo report and sheets (synthetic data) so a person can open them in a browser:
/// `FUNNEL_CHART_DEMO_DIR=/tmp/demo swift test --filter ChartDemoTests`, then open
/// `/tmp/demo/report.html`. Without the variable they go to a temporary directory.
@Suite struct ChartDemoTests {
    @Test func demoFilesAreWrittenAndWellFormed() throws {
        let environment = ProcessInfo.processInfo.environment["FUNNEL_CHART_DEMO_DIR"]
        let directory = environment.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("funnel-chart-demo-\(getpid())")
        let files = try ChartDemo.write(to: directory)
        #expect(files.count == 10)
        for file in files where file.pathExtension == "svg" {
            let data = try Data(contentsOf: file)
            #expect(XMLCheck.parses(data), "\(file.lastPathComponent) is not well-formed XML")
        }
        let html = try String(contentsOf: directory.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(!html.contains("http"))
        #expect(!html.contains("src="))
        #expect(!html.contains("<script"))
        if environment == nil { try? FileManager.default.removeItem(at: directory) }
    }
}
