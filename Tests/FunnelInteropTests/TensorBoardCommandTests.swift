import Foundation
import FunnelTestSupport
import FunnelTrain
import Testing
@testable import FunnelInterop

/// The `funnel` binary: `train` and `compare` write TensorBoard logs by themselves, and
/// `tensorboard export` writes them for runs in a store; TensorBoard reads back what the store holds.
@Suite(.enabled(if: TestServices.runPython, "needs the Python environment with tensorboard ($FUNNEL_TEST_PYTHON)"))
struct TensorBoardCommandTests {
    /// The `funnel` executable `swift build --build-tests` made beside the tests.
    static let executable = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/funnel").path

    /// Runs `funnel arguments` to the end; returns its exit status and everything it printed.
    static func funnel(_ arguments: [String]) throws -> (status: Int32, output: String) {
        // No store from the environment; tests share the cores: no spinning OpenMP threads.
        try TestServices.command(["env", "-u", StoreLocation.environmentVariable, "OMP_WAIT_POLICY=passive", executable] + arguments)
    }

    static let tiny = ["--model", "resnet20", "--data", "synthetic", "--synthetic-train", "16", "--epochs", "2", "--batch-size", "8"]

    @Test func trainWritesAndExportRewrites() throws {
        let scratch = try TensorBoardTests.Scratch("tb-cli-train")
        defer { scratch.remove() }
        let train = try Self.funnel(["train", "--act", "relu", "--run-dir", scratch.url.path, "--tensorboard-every", "1"] + Self.tiny)
        try #require(train.status == 0, "\(train.output)")
        let folder = TensorBoardRunLog.folder(runDirectory: scratch.url, run: "resnet20-relu-s0")
        let files = TensorBoardRunLog.eventFiles(in: folder).map(\.lastPathComponent)
        #expect(files.count == 1 && files[0].hasPrefix("events.out.tfevents.") && files[0].hasSuffix("." + EventFileWriter.hostName), "\(files)")

        let store = try RunStore(directory: scratch.url)
        let run = try #require(try store.runs().first)
        let epochs = try store.epochs(of: run.id)
        var tb = try #require(try TensorBoardReadBack.read(scratch.url).runs["resnet20-relu-s0/tb"])
        try TensorBoardTests.expectScalars(tb, equal: epochs, summary: run.summary)
        #expect(tb.points("train/step_loss").map(\.step) == [1, 2, 3, 4])
        #expect(tb.hparams["act"] == .string("relu") && tb.hparams["batch_size"] == .number(8) && tb.endStatus == 1)

        let skipped = try Self.funnel(["tensorboard", "export", "--runs", scratch.url.path])
        #expect(skipped.status == 0 && skipped.output.contains("skipped") && skipped.output.contains("0 of 1 runs written"), "\(skipped.output)")
        let replaced = try Self.funnel(["tensorboard", "export", "--runs", scratch.url.path, "--replace"])
        #expect(replaced.status == 0 && replaced.output.contains("1 of 1 runs written"), "\(replaced.output)")
        tb = try #require(try TensorBoardReadBack.read(scratch.url).runs["resnet20-relu-s0/tb"])
        #expect(tb.eventFiles == 1 && tb.points("train/step_loss").isEmpty)  // the store has no step losses
        try TensorBoardTests.expectScalars(tb, equal: epochs, summary: run.summary)

        let missing = try Self.funnel(["tensorboard", "export", "--runs", scratch.url.appendingPathComponent("nothing").path])
        #expect(missing.status != 0 && missing.output.contains("runs.sqlite"), "\(missing.output)")
    }

    @Test func compareGridInHParamsView() throws {
        let scratch = try TensorBoardTests.Scratch("tb-cli-compare")
        defer { scratch.remove() }
        let compare = try Self.funnel(["compare", "--acts", "relu,swish", "--run-dir", scratch.url.path] + Self.tiny)
        try #require(compare.status == 0, "\(compare.output)")
        let store = try RunStore(directory: scratch.url)
        let read = try TensorBoardReadBack.read(scratch.url)
        #expect(read.groups.count == 2)
        for run in try store.runs() {
            let tb = try #require(read.runs["\(run.spec.name)/tb"])
            try TensorBoardTests.expectScalars(tb, equal: try store.epochs(of: run.id), summary: run.summary)
            let group = try #require(read.groups.first { $0.name == run.spec.name })
            #expect(group.hparams["act"] == .string(run.spec.act) && group.hparams["schedule"] == .string("cosine"))
            #expect(group.metrics["best/test_top1"] == run.summary.bestTestTop1.map { Double(Float($0)) })
            #expect(group.statuses == ["STATUS_SUCCESS"])
        }

        // Compared again, the finished runs are reused and their logs left as they are.
        let before = try FileManager.default.subpathsOfDirectory(atPath: scratch.url.path).filter { $0.contains("tfevents") }.sorted()
        let again = try Self.funnel(["compare", "--acts", "relu,swish", "--run-dir", scratch.url.path] + Self.tiny)
        try #require(again.status == 0, "\(again.output)")
        #expect(try FileManager.default.subpathsOfDirectory(atPath: scratch.url.path).filter { $0.contains("tfevents") }.sorted() == before)

        // A row without its seconds (written by another tool) would shift every later wall time:
        // that run is not written and keeps its old log; the other run is written; exit 1.
        let swish = try #require(try store.runs().first { $0.spec.act == "swish" })
        var row = try #require(try store.epochs(of: swish.id).first)
        row.seconds = nil
        try store.appendEpoch(row)
        let export = try Self.funnel(["tensorboard", "export", "--run-dir", scratch.url.path, "--replace"])
        #expect(export.status == 1, "\(export.output)")
        #expect(export.output.contains("resnet20-swish-s0: not written: run store table epoch, column seconds: expected a number "
                                        + "(Funnel writes it for every epoch), found nothing, in run \(swish.id) epoch 1"), "\(export.output)")
        #expect(export.output.contains("1 of 2 runs written") && export.output.contains("not written, each for the reason above: resnet20-swish-s0"))
        let swishFolder = TensorBoardRunLog.folder(runDirectory: scratch.url, run: "resnet20-swish-s0")
        #expect(TensorBoardRunLog.eventFiles(in: swishFolder).map(\.lastPathComponent).map { "resnet20-swish-s0/tb/" + $0 }
                == before.filter { $0.hasPrefix("resnet20-swish-s0/") })
    }
}
