import Foundation
import FunnelTestSupport
import Testing
@testable import FunnelTrain

/// `funnel bench train` where `OMP_PROC_BIND` is set, as on many clusters: libgomp binds the thread
/// that loads it to the first CPU before `main`, and the processes `funnel` starts from that thread
/// (its own re-execution with `OMP_WAIT_POLICY`, then each isolated configuration) used to inherit
/// that one CPU, so both compute threads shared it and every figure halved.
@Suite(.enabled(if: ProcessInfo.processInfo.activeProcessorCount >= 2, "needs two CPUs to tell one from two"))
struct BenchAffinityTests {
    /// The `funnel` executable `swift build --build-tests` made beside the tests.
    static let executable = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/funnel")

    @Test func isolatedConfigurationsComputeOnEveryCPUUnderOpenMPBinding() throws {
        // No OMP_WAIT_POLICY, so funnel re-executes itself: the path the binding was inherited through.
        let run = try TestServices.commandOutputs([
            "-u", "OMP_WAIT_POLICY", "-u", "GOMP_SPINCOUNT", "-u", "OMP_PLACES", "OMP_PROC_BIND=true", Self.executable.path,
            "bench", "train", "--model", "resnet20", "--act", "relu", "--batch-size", "4", "--steps", "1", "--threads", "2", "--json",
        ])
        try #require(run.status == 0, "\(String(decoding: run.stderr, as: UTF8.self))")
        let report = try JSONDecoder().decode(TrainBenchmark.Report.self, from: run.stdout)
        let result = try #require(report.results.first)
        #expect(result.threads == 2)
        #expect(result.computeCPUs == 2, "the two compute threads could use \(result.computeCPUs) CPU(s)")
    }
}
