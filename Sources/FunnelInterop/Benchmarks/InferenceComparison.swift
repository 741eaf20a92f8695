import Foundation
import FunnelModels
import FunnelNN
import FunnelTrain

/// Funnel's inference speed beside onnxruntime (CPU) running Funnel's own ONNX export of the same
/// model and PyTorch running the reference model, all with the same threads, in one run:
/// `funnel bench infer`. The peers run in a Python process (`scripts/bench_infer_peers.py`).
public enum InferenceComparison {
    /// One configuration's figures per engine.
    public struct Row: Codable, Sendable {
        public var model: String
        public var act: String
        public var funnel: InferenceBenchmark.Figures
        public var onnxruntime: InferenceBenchmark.Figures?
        public var pytorch: InferenceBenchmark.Figures?
        /// Why a peer has no figures.
        public var skipped: [String: String]?
    }

    /// Where the peers come from.
    public struct Peers: Sendable {
        /// A Python with onnxruntime, torch and numpy (`scripts/python-env.sh` makes one).
        public var python: String
        /// `scripts/bench_infer_peers.py`.
        public var script: URL
        /// The folder of `torch_models.py`.
        public var referenceModels: String
        public init(python: String, script: URL, referenceModels: String) {
            self.python = python
            self.script = script
            self.referenceModels = referenceModels
        }
    }

    /// Measures every engine `rounds` times, interleaved (a slow spell then hits all alike), and
    /// keeps each figure's median round.
    /// - Parameter foldBatchNorm: fold batch norms into convolutions, in Funnel's model and in the
    ///   exported graph alike (inference runtimes do it anyway).
    public static func run(model: String, act: String, plan: InferenceBenchmark.Plan, threads: Int, peers: Peers?, rounds: Int,
                           foldBatchNorm: Bool = true, progress: (String) -> Void = { _ in }) throws -> Row {
        let onnx = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-bench-\(UUID().uuidString.prefix(8)).onnx")
        defer { try? FileManager.default.removeItem(at: onnx) }
        if peers != nil {
            try ONNXExport.write(try InferenceBenchmark.model(model, act: act), input: try Models.entry(model).input, to: onnx, options: ONNXExportOptions(foldBatchNorm: foldBatchNorm))
        }
        var funnel: [InferenceBenchmark.Figures] = [], ort: [InferenceBenchmark.Figures] = [], torch: [InferenceBenchmark.Figures] = []
        var skipped: [String: String]?
        for round in 1...max(1, rounds) {
            progress("\(model) \(act), round \(round)/\(rounds): Funnel")
            funnel.append(try InferenceBenchmark.measure(model: model, act: act, plan: plan) { if foldBatchNorm { $0.foldBatchNorms() } })
            guard let peers else { continue }
            progress("\(model) \(act), round \(round)/\(rounds): onnxruntime and PyTorch")
            let answer = try runPeers(peers, onnx: onnx, model: model, act: act, plan: plan, threads: threads)
            if let f = answer.onnxruntime { ort.append(f) }
            if let f = answer.pytorch { torch.append(f) }
            skipped = answer.skipped
        }
        return Row(model: model, act: act, funnel: medianFigures(funnel)!, onnxruntime: medianFigures(ort),
                   pytorch: medianFigures(torch), skipped: peers == nil ? ["onnxruntime": "no --python", "pytorch": "no --python"] : skipped)
    }

    private struct PeerAnswer: Decodable {
        var onnxruntime: InferenceBenchmark.Figures?
        var pytorch: InferenceBenchmark.Figures?
        var skipped: [String: String]?
    }

    private static func runPeers(_ peers: Peers, onnx: URL, model: String, act: String, plan: InferenceBenchmark.Plan,
                                 threads: Int) throws -> PeerAnswer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: peers.python)
        process.arguments = [peers.script.path, onnx.path, model, act, "\(threads)", "\(plan.latencyRuns)", "\(plan.batchSize)",
                             "\(plan.throughputRuns)", peers.referenceModels]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.standardError
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchmarkError("\(peers.script.path) exited with status \(process.terminationStatus) (its messages are above)")
        }
        do { return try JSONDecoder().decode(PeerAnswer.self, from: data) } catch {
            throw BenchmarkError("\(peers.script.path) printed no figures: \(String(decoding: data, as: UTF8.self).prefix(500))")
        }
    }

    /// The median of each figure over rounds, nil for none.
    static func medianFigures(_ runs: [InferenceBenchmark.Figures]) -> InferenceBenchmark.Figures? {
        guard !runs.isEmpty else { return nil }
        return InferenceBenchmark.Figures(latencyMilliseconds: median(runs.map(\.latencyMilliseconds)),
                                          imagesPerSecond: median(runs.map(\.imagesPerSecond)))
    }
}

/// A benchmark that could not be run as asked.
public struct BenchmarkError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
