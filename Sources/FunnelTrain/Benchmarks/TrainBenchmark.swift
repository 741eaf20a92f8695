import Foundation
import FunnelKernels
import FunnelModels
import FunnelNN
import FunnelTensor

/// `funnel bench train`: full SGD steps (forward, backward, update) on one fixed random batch, as
/// `peers/torch_bench.py` does, so the figures compare directly with PyTorch's.
public enum TrainBenchmark {
    public struct Result: Codable, Sendable {
        public let model: String
        public let act: String
        public let imagesPerSecond: Double
        public let stepSecondsMedian: Double
        public let stepSecondsMin: Double
        /// Every timed step in order: a median hides steps that alternate between two times.
        public let stepSeconds: [Double]
        public let peakRSSBytes: Int
        /// Peak bytes of tensor memory in use at once, and held by the buffer pool (in use plus idle).
        public let peakTensorBytes: Int
        public let peakPooledBytes: Int
        /// Floating-point operations of training on one image: 6 × the forward pass's
        /// multiply-adds of convolutions and linear layers (2 FLOPs each, in the forward,
        /// backward-data and backward-weights passes; the stem's unneeded backward-data included,
        /// as is the convention). Pointwise work, batch norm and the update are not counted.
        public let trainFLOPsPerImage: Double
        /// `trainFLOPsPerImage × imagesPerSecond`, in GFLOPS.
        public let gflops: Double
        /// The same with convolutions' taps on the zero padding left out (`ConvGeometry.innerMACs`):
        /// the work done, comparable across map sizes.
        public let trainInnerFLOPsPerImage: Double
        public let innerGFLOPS: Double
        /// Where one step's time goes, per op kind (`--profile`): seconds per step, averaged over the profiled steps.
        public let profile: [OpProfile.Entry]?
        /// The passes timed inside multi-pass ops (`OpProfile.passTable`), per step likewise.
        public let profilePasses: [OpProfile.PassEntry]?
        /// The compute threads and how many CPUs they could run on together (`OpenMPPlaces.computeCPUCount`):
        /// fewer CPUs than threads means threads shared a core, and the figures are not the machine's.
        public let threads: Int
        public let computeCPUs: Int

        enum CodingKeys: String, CodingKey {
            case model, act, gflops, profile, profilePasses = "profile_passes"
            case imagesPerSecond = "images_per_second", stepSecondsMedian = "step_seconds_median"
            case stepSecondsMin = "step_seconds_min", stepSeconds = "step_seconds", peakRSSBytes = "peak_rss_bytes"
            case peakTensorBytes = "peak_tensor_bytes", peakPooledBytes = "peak_pooled_bytes"
            case trainFLOPsPerImage = "train_flops_per_image"
            case trainInnerFLOPsPerImage = "train_inner_flops_per_image", innerGFLOPS = "inner_gflops"
            case threads, computeCPUs = "compute_cpus"
        }
    }

    /// The ceilings a step's GFLOPS are measured against, taken in the same run as the steps.
    public struct Ceilings: Codable, Sendable {
        /// The best dense 3x3 convolution pass (`OpsBenchmark.convolutionCeiling`): what a step
        /// made only of convolutions could at best reach.
        public let convolutionGFLOPS: Double
        /// Which convolution and pass reached it.
        public let convolution: String
        /// The best pass by multiply-adds inside the image (padding taps left out), and which.
        public let convolutionInnerGFLOPS: Double
        public let innerConvolution: String
        /// The FMA units' throughput on all threads (`FMAPeak`): the machine's fp32 peak.
        public let fmaPeakGFLOPS: Double
        /// The best pass with the algorithm Funnel runs each convolution with (`--convolution`;
        /// Winograd's GFLOPS count the direct multiply-adds it replaces), and which.
        public let asRunGFLOPS: Double
        public let asRunConvolution: String

        enum CodingKeys: String, CodingKey {
            case convolutionGFLOPS = "conv3x3_best_gflops", convolution = "conv3x3_best", fmaPeakGFLOPS = "fma_peak_gflops"
            case convolutionInnerGFLOPS = "conv3x3_best_inner_gflops", innerConvolution = "conv3x3_best_inner"
            case asRunGFLOPS = "conv3x3_best_as_run_gflops", asRunConvolution = "conv3x3_best_as_run"
        }

        /// Measures the ceilings on this process's compute threads: the convolution ones with the
        /// direct algorithm (what the FLOPs count) and as Funnel runs them.
        public static func measure(batchSize: Int) throws -> Ceilings {
            let models = ["resnet20", "resnet18"]
            let direct = try OpsBenchmark.convolutionCeiling(models: models, batch: batchSize, direct: true)
            let asRun = try OpsBenchmark.convolutionCeiling(models: models, batch: batchSize)
            return Ceilings(convolutionGFLOPS: direct.all.gflops, convolution: direct.all.convolution,
                            convolutionInnerGFLOPS: direct.inner.gflops, innerConvolution: direct.inner.convolution,
                            fmaPeakGFLOPS: FMAPeak.measure(), asRunGFLOPS: asRun.all.gflops, asRunConvolution: asRun.all.convolution)
        }
    }

    /// One configuration's step time over its model's first activation's, taken round by round
    /// (the two ran one after the other) and summarised over the rounds. A slow spell of a shared
    /// machine hits both of a pair alike, so this ratio holds steadier than the ratio of medians.
    public struct PairedRatio: Codable, Sendable, Equatable {
        public let model: String
        public let act: String
        /// The activation it is over: the model's first.
        public let base: String
        public let median: Double
        /// The smallest and largest round's ratio.
        public let low: Double
        public let high: Double
        public let rounds: Int

        /// Each configuration's ratio to its model's first activation in every round, summarised.
        /// `rounds[k][i]` is configuration i's result in round k; every round lists the same
        /// configurations in the same order.
        public static func of(_ rounds: [[Result]]) -> [PairedRatio] {
            guard let first = rounds.first else { return [] }
            return first.indices.map { i in
                let base = first.firstIndex { $0.model == first[i].model }!
                let ratios = rounds.map { $0[i].stepSecondsMedian / $0[base].stepSecondsMedian }
                return PairedRatio(model: first[i].model, act: first[i].act, base: first[base].act, median: FunnelTrain.median(ratios),
                                   low: ratios.min()!, high: ratios.max()!, rounds: ratios.count)
            }
        }
    }

    /// One configuration's GFLOPS as a fraction of the best 3x3 convolution's (`Ceilings.convolutionGFLOPS`),
    /// each round's step against the ceiling measured in that round, summarised over the rounds. The
    /// ceiling moves with the machine as much as the step does (a slow spell lowers both), so the
    /// fraction taken round by round holds steadier than the median step over the median ceiling.
    public struct PairedFraction: Codable, Sendable, Equatable {
        public let model: String
        public let act: String
        public let median: Double
        /// The smallest and largest round's fraction.
        public let low: Double
        public let high: Double
        public let rounds: Int

        /// `rounds[k][i]` is configuration i's result in round k and `ceilings[k]` that round's
        /// ceilings; without a ceiling for every round there is nothing to pair, and the list is empty.
        public static func of(_ rounds: [[Result]], ceilings: [Ceilings]) -> [PairedFraction] {
            guard let first = rounds.first, ceilings.count == rounds.count else { return [] }
            return first.indices.map { i in
                let fractions = zip(rounds, ceilings).map { round, ceiling in round[i].gflops / ceiling.convolutionGFLOPS }
                return PairedFraction(model: first[i].model, act: first[i].act, median: FunnelTrain.median(fractions),
                                      low: fractions.min()!, high: fractions.max()!, rounds: fractions.count)
            }
        }
    }

    public struct Report: Codable, Sendable {
        public let threads: Int
        public let batchSize: Int
        public let results: [Result]
        /// Each configuration's step time over its model's first activation's, round by round.
        public let pairedRatios: [PairedRatio]
        /// The ceilings, median over rounds; nil when not measured.
        public let ceilings: Ceilings?
        /// Each configuration's GFLOPS over the best convolution's, round by round; empty without ceilings.
        public let pairedFractions: [PairedFraction]
        /// Each configuration's profile against its model's first activation's, round by round; empty without profiles.
        public let pairedProfiles: [PairedProfile]
        /// How the convolutions ran (`--convolution`): `auto` (Winograd where it suits) or `direct`.
        public let convolution: String
        enum CodingKeys: String, CodingKey {
            case threads, batchSize = "batch_size", results, pairedRatios = "paired_ratios", ceilings, convolution
            case pairedFractions = "paired_fractions_of_best_conv", pairedProfiles = "paired_profiles"
        }

        public init(threads: Int, batchSize: Int, results: [Result], pairedRatios: [PairedRatio] = [], ceilings: Ceilings? = nil,
                    pairedFractions: [PairedFraction] = [], pairedProfiles: [PairedProfile] = []) {
            self.threads = threads; self.batchSize = batchSize; self.results = results; self.pairedRatios = pairedRatios
            self.ceilings = ceilings; self.pairedFractions = pairedFractions; self.pairedProfiles = pairedProfiles
            convolution = currentConvolutionAlgorithm.rawValue
        }
    }

    /// Times `steps` SGD steps (after 2 warm-up steps) of one model and activation in this process;
    /// then, with `profileSteps` > 0, profiles that many more steps op by op.
    public static func measure(model name: String, act: String, batchSize: Int, steps: Int, profileSteps: Int = 0) throws -> Result {
        DefaultRandom.seed(0)
        let entry = try Models.entry(name)
        let model = try Models.make(ModelConfig(name: name, classes: 10, activation: try Activations.factory(act)))
        let x = Tensor.normal([batchSize] + entry.input)
        var gen = RandomGenerator(seed: 1)
        let labels = (0..<batchSize).map { _ in gen.nextInt(10) }
        let optimizer = SGD(model.namedParameters, learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)
        let counter = OpCounter.record { _ = withoutGrad { model(x) } }
        let macsPerImage = Double(counter.multiplyAdds) / Double(batchSize)
        let innerMACsPerImage = Double(counter.innerMultiplyAdds) / Double(batchSize)
        func step(_ profile: OpProfile? = nil) {
            optimizer.zeroGrad()
            profile?.mark()
            model(x).crossEntropy(labels: labels).backward()
            let update = measureSeconds { optimizer.step() }
            profile?.add("sgd update", pass: .update, seconds: update, bytes: 4 * 4 * model.parameterCount)
        }
        for _ in 0..<2 { step() }
        let times = (0..<steps).map { _ in measureSeconds { step() } }
        let m = median(times), memory = tensorMemoryPeaks
        var profile: [OpProfile.Entry]?, profilePasses: [OpProfile.PassEntry]?
        if profileSteps > 0 {
            let recorder = OpProfile()
            recorder.record { for _ in 0..<profileSteps { step(recorder) } }
            (profile, profilePasses) = recorder.perStep(of: profileSteps)
        }
        let flops = 6 * macsPerImage, innerFLOPs = 6 * innerMACsPerImage
        return Result(model: name, act: act, imagesPerSecond: Double(batchSize) / m, stepSecondsMedian: m,
                      stepSecondsMin: times.min()!, stepSeconds: times, peakRSSBytes: peakResidentBytes(),
                      peakTensorBytes: memory.live, peakPooledBytes: memory.held,
                      trainFLOPsPerImage: flops, gflops: flops * Double(batchSize) / m * 1e-9,
                      trainInnerFLOPsPerImage: innerFLOPs, innerGFLOPS: innerFLOPs * Double(batchSize) / m * 1e-9, profile: profile, profilePasses: profilePasses,
                      threads: computeThreadCount, computeCPUs: OpenMPPlaces.computeCPUCount())
    }

    /// Runs each (model, activation) in its own child process (`executable` with `arguments(model, act)`),
    /// so each peak-memory figure is that configuration's alone; the child prints one `Result` as JSON.
    /// With `rounds` > 1 the whole set is run that many times, interleaved (a slow spell of a shared
    /// machine then hits every configuration alike), and each configuration's median round is kept.
    /// With `ceilingArguments`, each round also measures the ceilings in a child process of their
    /// own (`Ceilings.measure` there, printed as JSON): measured here, the OpenMP pool they start
    /// would stay awake spinning (`OMP_WAIT_POLICY=active`) and take a core from every later step.
    /// The report holds their median round beside the results, with each configuration's ratio to
    /// its model's first activation round by round (`PairedRatio`), with ceilings its fraction of
    /// each round's best convolution (`PairedFraction`), and with profiles over more than one round
    /// where its step differs op by op (`PairedProfile`; one round gives no interval to judge by).
    /// `threads` is what the report says the children ran on.
    public static func measureIsolated(models: [String], acts: [String], rounds: Int = 1, threads: Int, batchSize: Int,
                                       executable: URL, arguments: (String, String) -> [String], ceilingArguments: [String]? = nil,
                                       progress: (String) -> Void = { _ in }) throws -> Report {
        var all: [[Result]] = []
        var ceilings: [Ceilings] = []
        for round in 1...max(1, rounds) {
            func say(_ text: String) { progress(rounds > 1 ? "round \(round)/\(rounds): \(text)" : text) }
            if let ceilingArguments {
                say("ceilings: best 3x3 convolution, FMA peak")
                ceilings.append(try child(executable, ceilingArguments, what: "the ceilings"))
            }
            var results: [Result] = []
            for model in models {
                for act in acts {
                    say("\(model) \(act)")
                    results.append(try child(executable, arguments(model, act), what: "\(model) with \(act)"))
                }
            }
            all.append(results)
        }
        let results = all[0].indices.map { i in
            let runs = all.map { $0[i] }.sorted { $0.stepSecondsMedian < $1.stepSecondsMedian }
            return runs[runs.count / 2]
        }
        let sorted = ceilings.sorted { $0.convolutionGFLOPS < $1.convolutionGFLOPS }
        return Report(threads: threads, batchSize: batchSize, results: results, pairedRatios: PairedRatio.of(all),
                      ceilings: sorted.isEmpty ? nil : sorted[sorted.count / 2], pairedFractions: PairedFraction.of(all, ceilings: ceilings),
                      pairedProfiles: all.count > 1 ? PairedProfile.of(all) : [])
    }

    /// Runs `executable` with `arguments` and decodes the JSON it prints.
    private static func child<T: Decodable>(_ executable: URL, _ arguments: [String], what: String) throws -> T {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try OpenMPPlaces.unbound { try process.run() }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchmarkError(description: "benchmark of \(what) exited with status \(process.terminationStatus)")
        }
        return try JSONDecoder().decode(T.self, from: data)
    }
}

public struct BenchmarkError: Error, CustomStringConvertible {
    public let description: String
}
