import Foundation
import Testing
import FunnelTensor
import FunnelTrain

/// `funnel eval` on a damaged checkpoint is an error naming the tensor, with or without `--json`,
/// never a score.
@Suite struct EvalCommandTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-eval-\(UUID().uuidString.prefix(8))")

    @Test func aNonFiniteWeightIsAnErrorEvenWithJSON() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let runDir = directory.appendingPathComponent("run")
        let trained = try FunnelProcess(["train", "--model", "resnet20", "--data", "synthetic", "--synthetic-train", "16",
                                         "--epochs", "1", "--batch-size", "8", "--threads", "1", "--run-dir", runDir.path],
                                        logDirectory: directory).wait()
        try #require(trained.status == 0, "\(trained.output)")
        let url = URL(fileURLWithPath: try #require(try RunStore(directory: runDir).runs().first?.checkpoint))
        let good = try FunnelProcess(["eval", "--checkpoint", url.path, "--json"], logDirectory: directory).wait()
        #expect(good.status == 0, "\(good.output)")

        // One NaN weight, written with a fresh checksum: only the finiteness check can catch it.
        var file = try SafetensorsFile(contentsOf: url)
        var weights = try file.tensor("layer1.0.conv1.weight")
        var scalars = weights.scalars
        scalars[3] = .nan
        weights = Tensor(shape: weights.shape, scalars: scalars)
        file.entries["layer1.0.conv1.weight"] = SafetensorsEntry(weights)
        try file.write(to: url)
        for json in [false, true] {
            let (status, output) = try FunnelProcess(["eval", "--checkpoint", url.path] + (json ? ["--json"] : []), logDirectory: directory).wait()
            #expect(status != 0, "\(output)")
            #expect(output.contains("\(url.path): tensor 'layer1.0.conv1.weight' holds 1 non-finite value(s), the first nan at element 3"), "\(output)")
            #expect(!output.contains("top-1") && !output.contains("EncodingError") && !output.contains("\"top1\""), "\(output)")
        }
    }
}
