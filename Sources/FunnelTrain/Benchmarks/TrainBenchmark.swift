import Foundation
import FunnelKernels
import FunnelModels
import FunnelNN

/// `funnel bench train`: full SGD steps (forward, backward, update) on one fixed random batch, as
/// `peers/torch_bench.py` does, so the figures compare directly with PyTorch's.
public enum TrainBenchmark {
    public struct Result: Codable, Sendable {
        public let model: String
        public let act: String
        public let imagesPerSecond: Double
        public let stepSecondsMedian: Double
        public let stepSecondsMin: Double
        public let peakRSSBytes: Int
        /// Peak bytes of tensor memory in use at once, and held by the buffer pool (in use plus idle).
        public let peakTensorBytes: Int
        public let peakPooledBytes: Int

        enum CodingKeys: String, CodingKey {
            case model, act
            case imagesPerSecond = "images_per_second", stepSecondsMedian = "step_seconds_median"
            case stepSecondsMin = "step_seconds_min", peakRSSBytes = "peak_rss_bytes"
            case peakTensorBytes = "peak_tensor_bytes", peakPooledBytes = "peak_pooled_bytes"
        }
    }

    public struct Report: Codable, Sendable {
        public let threads: Int
        public let batchSize: Int
        public let results: [Result]
        enum CodingKeys: String, CodingKey { case threads, batchSize = "batch_size", results }

        public init(threads: Int, batchSize: Int, results: [Result]) {
            self.threads = threads; self.batchSize = batchSize; self.results = results
        }
    }

    /// Times `steps` SGD steps (after 2 warm-up steps) of one model and activation in this process.
    public static func measure(model name: String, act: String, batchSize: Int, steps: Int) throws -> Result {
        DefaultRandom.seed(0)
        let entry = try Models.entry(name)
        let model = try Models.make(ModelConfig(name: name, classes: 10, activation: try Activations.factory(act)))
        let x = Tensor.normal([batchSize] + entry.input)
        var gen = RandomGenerator(seed: 1)
        let labels = (0..<batchSize).map { _ in gen.nextInt(10) }
        let optimizer = SGD(model.namedParameters, learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)
        func step() {
            optimizer.zeroGrad()
            model(x).crossEntropy(labels: labels).backward()
            optimizer.step()
        }
        for _ in 0..<2 { step() }
        let times = (0..<steps).map { _ in measureSeconds(step) }
        let m = median(times), memory = tensorMemoryPeaks
        return Result(model: name, act: act, imagesPerSecond: Double(batchSize) / m, stepSecondsMedian: m,
                      stepSecondsMin: times.min()!, peakRSSBytes: peakResidentBytes(),
                      peakTensorBytes: memory.live, peakPooledBytes: memory.held)
    }

    /// Runs each (model, activation) in its own child process (`executable` with `arguments(model, act)`),
    /// so each peak-memory figure is that configuration's alone; the child prints one `Result` as JSON.
    /// With `rounds` > 1 the whole set is run that many times, interleaved (a slow spell of a shared
    /// machine then hits every configuration alike), and each configuration's median round is kept.
    public static func measureIsolated(models: [String], acts: [String], rounds: Int = 1, executable: URL,
                                       arguments: (String, String) -> [String], progress: (String) -> Void = { _ in }) throws -> [Result] {
        var all: [[Result]] = []
        for round in 1...max(1, rounds) {
            all.append(try measureRound(models: models, acts: acts, executable: executable, arguments: arguments) {
                progress(rounds > 1 ? "round \(round)/\(rounds): \($0)" : $0)
            })
        }
        return all[0].indices.map { i in
            let runs = all.map { $0[i] }.sorted { $0.stepSecondsMedian < $1.stepSecondsMedian }
            return runs[runs.count / 2]
        }
    }

    private static func measureRound(models: [String], acts: [String], executable: URL,
                                     arguments: (String, String) -> [String], progress: (String) -> Void) throws -> [Result] {
        var results: [Result] = []
        for model in models {
            for act in acts {
                progress("\(model) \(act)")
                let process = Process()
                process.executableURL = executable
                process.arguments = arguments(model, act)
                let pipe = Pipe()
                process.standardOutput = pipe
                try process.run()
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                guard process.terminationStatus == 0 else {
                    throw BenchmarkError(description: "benchmark of \(model) with \(act) exited with status \(process.terminationStatus)")
                }
                results.append(try JSONDecoder().decode(Result.self, from: data))
            }
        }
        return results
    }
}

public struct BenchmarkError: Error, CustomStringConvertible {
    public let description: String
}
