import Foundation
import Testing
import FunnelTestSupport
import FunnelTrain

/// Checkpoints cross to PyTorch and back: a Funnel-trained model loads strictly into the reference
/// PyTorch model (`../shared/peers/torch_models.py`) and scores the same test top-1 on the CIFAR-10
/// archive; a PyTorch-trained state dict saved with safetensors scores the same in `funnel eval`.
@Suite(.serialized, .enabled(if: TestServices.runPython && RealData.shouldRun("cifar10-jpeg.tar.gz"),
                             "needs the Python environment (./test.sh makes it) and ../shared/datasets/cifar10-jpeg.tar.gz"))
struct PyTorchRoundTripTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-torch-\(UUID().uuidString.prefix(8))")
    let archive = RealData.path("cifar10-jpeg.tar.gz")
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("torch_cifar.py")
    static let peers = URL(fileURLWithPath: RealData.folder).deletingLastPathComponent().appendingPathComponent("peers").path

    /// Runs `torch_cifar.py` and decodes its JSON answer.
    func torch(_ arguments: [String]) throws -> [String: Double] {
        let source = try String(contentsOf: Self.script, encoding: .utf8)
        let result = try TestServices.python(source, arguments + [Self.peers])
        try #require(result.status == 0, "torch_cifar.py \(arguments.joined(separator: " ")): \(result.stderr)")
        return try JSONDecoder().decode([String: Double].self, from: Data(result.stdout.utf8))
    }

    func funnelEval(_ arguments: [String]) throws -> Evaluation {
        let (status, output) = try FunnelProcess(["eval", "--json"] + arguments, logDirectory: directory).wait()
        try #require(status == 0, "\(output)")
        // The JSON object is the output's last lines (progress, if any, comes before it).
        let json = try #require(output.range(of: "{", options: .backwards).map { String(output[$0.lowerBound...]) })
        return try JSONDecoder().decode(Evaluation.self, from: Data(json.utf8))
    }

    @Test func aFunnelCheckpointScoresTheSameInPyTorch() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let runDir = directory.appendingPathComponent("run")
        // A cosine schedule ends near lr 0, so batch norm's running statistics fit the final weights: at a constant
        // lr 0.05 two short epochs leave them behind, and inference mode can collapse to one class.
        let train = try FunnelProcess(["train", "--model", "resnet20", "--act", "frelu", "--data", archive, "--train-limit", "1024", "--lr", "0.05",
                                       "--schedule", "cosine", "--test-limit", "100", "--epochs", "2", "--batch-size", "64", "--run-dir", runDir.path],
                                      logDirectory: directory).wait()
        try #require(train.status == 0, "\(train.output)")
        let checkpoint = try #require(try RunStore(directory: runDir).runs().first?.checkpoint)
        let funnel = try funnelEval(["--checkpoint", checkpoint, "--whole-test-split"])
        let torch = try torch(["evaluate", archive, checkpoint, "resnet20", "frelu"])
        print("Funnel-trained resnet20/frelu, top-1 on 10,000 test images: funnel eval \(funnel.top1), PyTorch \(torch["top1"]!)")
        #expect(funnel.count == 10_000 && torch["count"] == 10_000)
        // Within 0.1 points: Pillow's and Funnel's JPEG decoders may differ by a grey level.
        #expect(abs(funnel.top1 - torch["top1"]!) <= 0.001, "Funnel \(funnel.top1), PyTorch \(torch["top1"]!)")
        #expect(funnel.top1 > 0.15, "a model trained two epochs on 1,024 images scores above chance: \(funnel.top1)")
    }

    @Test func aPyTorchStateDictScoresTheSameInFunnel() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let weights = directory.appendingPathComponent("torch.safetensors").path
        let (mean, std) = ("0.4914,0.4822,0.4465", "0.2470,0.2435,0.2616")
        let torch = try torch(["train", archive, weights, "resnet20", "frelu", mean, std])
        let funnel = try funnelEval(["--checkpoint", weights, "--model", "resnet20", "--act", "frelu", "--data", archive,
                                     "--mean", mean, "--std", std])
        print("PyTorch-trained resnet20/frelu, top-1 on 10,000 test images: PyTorch \(torch["top1"]!), funnel eval \(funnel.top1)")
        #expect(funnel.count == 10_000)
        #expect(abs(funnel.top1 - torch["top1"]!) <= 0.001, "Funnel \(funnel.top1), PyTorch \(torch["top1"]!)")
        #expect(funnel.top1 > 0.15, "a model trained two epochs on 1,024 images scores above chance: \(funnel.top1)")
    }
}
