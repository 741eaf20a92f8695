import ArgumentParser
import Foundation
import FunnelTensor
import FunnelLab
import FunnelInterop
import FunnelTrain

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks with JSON output: convolution ops, activations, training steps, the run store, Slurm start-up.",
        subcommands: [Ops.self, ActsBench.self, TrainBench.self, InferBench.self, StoreBench.self, SlurmBench.self])

    struct StoreBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "store", abstract: "Claims per second with several workers, and a worker's store cost per epoch.",
            discussion: "Use a scratch store: the benchmark leaves its cells there (experiments named bench-…).")
        @OptionGroup var location: RunLocation<BenchRunDirectory>
        @Option(help: "Worker counts, comma-separated.") var workers = "1,4,16"
        @Option(help: "Cells per worker in the claims test.") var cellsPerWorker = 100
        @Option(help: "Timed calls per worker operation.") var calls = 200
        @Option(help: "Lease seconds (heartbeats come every third of it).") var lease: Double = 300
        @Option(help: "Epoch length the per-epoch cost is reported for (default: ResNet-20 CIFAR-10 on this 2-core machine).") var epochSeconds: Double = 46
        @Flag var json = false

        func validate() throws {
            let counts: [Int] = try integers(workers, option: "workers", example: "1,4,16")
            for count in counts { try requireAtLeast(1, count, "workers") }
            try requireAtLeast(1, cellsPerWorker, "cells-per-worker")
            try requireAtLeast(1, calls, "calls")
            try requireLease(lease)
            try requirePositiveSeconds(epochSeconds, "epoch-seconds")
        }

        func run() throws {
            let counts: [Int] = try integers(workers, option: "workers", example: "1,4,16")
            let report = try StoreBenchmark.run(location: try location.location(), workers: counts, cellsPerWorker: cellsPerWorker,
                                                calls: calls, leaseSeconds: lease, epochSeconds: epochSeconds, progress: note)
            if json { try printJSON(report) }
        }
    }

    struct SlurmBench: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "slurm", abstract: "Seconds from `sbatch` to the first claim and the first epoch of a one-cell grid.",
            discussion: "The run directory must be on a file system the nodes share.")
        @OptionGroup var location: RunLocation<BenchRunDirectory>
        @Option(help: "Model of the one cell.") var model = "resnet20"
        @Option(help: "Synthetic training images (the epoch's size).") var images = 256
        @Option(help: "Rounds (each a job of its own).") var rounds = 3
        @Flag var json = false

        /// The one cell's training: one epoch of `images` synthetic images.
        private var recipe: TrainConfig {
            var recipe = TrainConfig()
            recipe.model = model
            recipe.epochs = 1
            recipe.syntheticTrain = images
            recipe.syntheticTest = 100
            return recipe
        }

        func validate() throws {
            try requireAtLeast(1, rounds, "rounds")
            try requireAtLeast(recipe.batchSize, images, "images", because: "an epoch needs a batch of \(recipe.batchSize)")
            // A bad model name fails here, not in a Slurm job after the queue.
            do { try recipe.validate() } catch { throw ValidationError("\(error)") }
        }

        func run() throws {
            let store = try location.location()
            let recipe = recipe
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
            var results: [SlurmLatency.Result] = []
            for _ in 0..<rounds {
                let r = try SlurmLatency.measure(store: try RunStore(store), location: store,
                                                 runDirectory: location.runDirectoryURL.standardizedFileURL, executable: executable, recipe: recipe)
                note(String(format: "job %@: claimed %.2f s after sbatch, first epoch recorded %.2f s after (the epoch itself %.2f s)",
                            r.job, r.submitToClaim, r.submitToFirstEpoch, r.firstEpochSeconds))
                results.append(r)
            }
            if json { try printJSON(results) }
        }
    }

    struct Ops: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time the conv layers of CIFAR ResNet-18 and -20 against bare oneDNN primitives.",
            discussion: "A `backward` row times both gradients of a convolution together where Funnel's kernel computes them in one pass over the samples (stride-1 3x3 convolutions of up to 64 channels), against the two bare primitives. FReLU's depthwise 3x3 rows compare its fused kernels with what they replace: `frelu3x3` against oneDNN's convolution and the passes around it, `frelu3x3 block end` (a residual block's end, the batch norm and the addition inside the funnel op) against the norm and addition as an op of their own, then the funnel op. Their GFLOPS count the depthwise convolution only. Every row's GFLOPS is also a share of the FMA units' peak, measured on the same threads before the passes (`bench train`'s FMA peak): every tap counted, and only the taps inside the image (on small maps the padding's taps are a large share, and oneDNN skips them).")
        @Option(help: "Comma-separated models.") var models = "resnet20,resnet18"
        @Option(name: .customLong("batch-size"), help: "Batch size.") var batchSize = 128
        @Option(help: "Timed repeats per pass (best is kept; with --cold, the median).") var repeats = 5
        @Flag(help: ArgumentHelp("Flush the caches before every timed run, as a training step's passes find their operands.",
                                 discussion: "Each pass then reads its inputs from memory; the median of the runs is reported."))
        var cold = false
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var compute: ComputeOptions

        func validate() throws {
            try requireAtLeast(1, repeats, "repeats")
            try requireAtLeast(1, batchSize, "batch-size")
            try requireEachOnce(commaSeparated(models), "models")
        }

        func run() throws {
            compute.apply()
            let report = try OpsBenchmark.run(models: commaSeparated(models), batch: batchSize, repeats: repeats,
                                              cold: cold, progress: note)
            if json { try printJSON(report); return }
            print("FMA peak on \(report.threads) thread\(report.threads == 1 ? "" : "s"): " + String(format: "%.1f GFLOPS", report.fmaPeakGFLOPS)
                  + "; \"of peak\": every tap counted / only taps inside the image")
            for r in report.results {
                let peak = r.ofPeak(report.fmaPeakGFLOPS)
                print(col(r.op, 18) + col(r.pass, 17) + String(format: "%8.3f ms  %6.1f GFLOPS  %3.0f%% / %3.0f%% of peak  bare %8.3f ms  overhead %+5.1f%%  ",
                             r.seconds * 1e3, r.gflops, 100 * peak.all, 100 * peak.inner, r.primitiveSeconds * 1e3, r.overhead * 100)
                      + col(r.implementation, 24) + r.shape)
            }
        }
    }

    struct ActsBench: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "acts", abstract: "Time activations forward and backward on ResNet-20/18 activation shapes.")
        @Option(help: "Comma-separated activation specs (`;` also separates, for specs with commas).")
        var acts = "relu;swish;mish;gelu;prelu;frelu;frelu:fused=false;dyrelu_b;dyrelu_b:fused=false"
        @Option(name: .customLong("batch-size")) var batchSize = 128
        @Option var repeats = 5
        @Flag var json = false
        @OptionGroup var compute: ComputeOptions

        func validate() throws {
            try requireAtLeast(1, repeats, "repeats")
            try requireAtLeast(1, batchSize, "batch-size")
            try requireEachOnce(activationSpecs(acts), "acts")
            try requireKnownActivations(activationSpecs(acts), "acts")
        }

        func run() throws {
            compute.apply()
            let specs = activationSpecs(acts)
            let report = try ActivationBenchmark.run(acts: specs, shapes: ActivationBenchmark.shapes(batch: batchSize), repeats: repeats, progress: note)
            if json { try printJSON(report); return }
            for r in report.results {
                print(col(r.act, 24) + col("\(r.shape)", 20) + String(format: "forward %8.3f ms  backward %8.3f ms", r.forwardSeconds * 1e3, r.backwardSeconds * 1e3))
            }
        }
    }

    struct TrainBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train", abstract: "Time full SGD training steps on a fixed random batch.",
            discussion: """
                Each configuration runs in a process of its own. Every round also measures, in a process of its own, the best dense 3x3 \
                convolution pass (bare oneDNN primitives) and the FMA units' peak (register-only FMA chains on every \
                thread); a step's GFLOPS (6 x multiply-adds per image x images per second) is printed as a fraction \
                of both, counting every kernel tap (the papers' convention) and again counting only the taps inside the \
                image (on 4x4 maps a third of a 3x3 window's taps fall on the padding). --profile adds a per-op table: \
                forward and backward time, share of the step, bytes moved; then the passes of FReLU's funnel op on \
                Funnel's own kernels and of batch norm, timed one by one. With --rounds above 1 it also pairs each \
                configuration's profile with its model's first activation's round by round: op by op, the mean \
                difference and its 95% interval, and whether the ops both run differ at all.
                """)
        @Option(help: "Comma-separated models.") var model = "resnet20"
        @Option(help: "Activation specs separated by `;` (or `,` when no spec has options).") var act = "relu"
        @Option(name: .customLong("batch-size")) var batchSize = 128
        @Option var steps = 10
        @Option(help: "Run the whole set this many times, interleaved, and keep each configuration's median round.") var rounds = 1
        @Flag(help: "After the timed steps, profile as many more op by op.") var profile = false
        @Flag var json = false
        @Flag(help: .hidden) var inProcess = false
        @Flag(help: .hidden) var ceilingsOnly = false
        @OptionGroup var compute: ComputeOptions

        func validate() throws {
            try requireAtLeast(1, steps, "steps")
            try requireAtLeast(1, rounds, "rounds")
            try requireAtLeast(2, batchSize, "batch-size", because: "batch norm needs two samples")
            try requireEachOnce(commaSeparated(model), "model")
            try requireEachOnce(activationSpecs(act), "act")
            try requireClassifiers(commaSeparated(model), "model")
            try requireKnownActivations(activationSpecs(act), "act")
        }

        func run() throws {
            compute.apply()
            let models = commaSeparated(model)
            let acts = activationSpecs(act)
            if ceilingsOnly {
                try printJSON(try TrainBenchmark.Ceilings.measure(batchSize: batchSize))
                return
            }
            if inProcess {
                try printJSON(try TrainBenchmark.measure(model: models[0], act: acts[0], batchSize: batchSize, steps: steps,
                                                         profileSteps: profile ? steps : 0))
                return
            }
            let me = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
            let executable = FileManager.default.isExecutableFile(atPath: me.path) ? me : URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            let threadArguments = compute.childArguments()
            let threads = compute.threads ?? ProcessInfo.processInfo.activeProcessorCount
            let report = try TrainBenchmark.measureIsolated(models: models, acts: acts, rounds: rounds, threads: threads, batchSize: batchSize,
                                                            executable: executable, arguments: { m, a in
                ["bench", "train", "--model", m, "--act", a, "--batch-size", "\(batchSize)", "--steps", "\(steps)", "--in-process"]
                    + (profile ? ["--profile"] : []) + threadArguments
            }, ceilingArguments: ["bench", "train", "--batch-size", "\(batchSize)", "--ceilings-only"] + threadArguments, progress: note)
            let (results, ratios, ceilings, fractions) = (report.results, report.pairedRatios, report.ceilings, report.pairedFractions)
            if json { try printJSON(report); return }
            print("convolutions: \(report.convolution) (--convolution)")
            if let c = ceilings {
                print(String(format: "ceilings (%d thread%@, median round): best 3x3 convolution %.1f GFLOPS (%@); FMA peak %.1f GFLOPS",
                             threads, threads == 1 ? "" : "s", c.convolutionGFLOPS, c.convolution, c.fmaPeakGFLOPS))
                print(String(format: "  taps inside the image only (padding left out): best 3x3 convolution %.1f GFLOPS (%@)",
                             c.convolutionInnerGFLOPS, c.innerConvolution))
                print(String(format: "  as Funnel runs them (--convolution; Winograd counted by the direct multiply-adds it replaces): best 3x3 convolution %.1f GFLOPS (%@)",
                             c.asRunGFLOPS, c.asRunConvolution))
            }
            for r in results {
                let base = results.first { $0.model == r.model }!
                var line = col(r.model, 10) + col(r.act, 22)
                    + String(format: "%7.1f img/s  step %7.1f ms (median, %.2fx %@)  %6.1f GFLOPS", r.imagesPerSecond,
                             r.stepSecondsMedian * 1e3, r.stepSecondsMedian / base.stepSecondsMedian, base.act, r.gflops)
                if let c = ceilings {
                    line += String(format: " = %3.0f%% of best conv, %3.0f%% of FMA peak, %3.0f%% of best conv as run", 100 * r.gflops / c.convolutionGFLOPS,
                                   100 * r.gflops / c.fmaPeakGFLOPS, 100 * r.gflops / c.asRunGFLOPS)
                }
                print(line + String(format: "  peak RSS %6.0f MB (tensors %4.0f MB)", Double(r.peakRSSBytes) / 1e6, Double(r.peakTensorBytes) / 1e6))
                if r.computeCPUs < r.threads {
                    note("warning: \(r.model) \(r.act): \(r.threads) compute threads could run on \(r.computeCPUs) CPU(s) only (CPU affinity): "
                         + "threads shared cores, and these figures are not this machine's")
                }
                if let c = ceilings {
                    print(col("", 32) + String(format: "taps inside the image only: %6.1f GFLOPS = %3.0f%% of best conv, %3.0f%% of FMA peak",
                                               r.innerGFLOPS, 100 * r.innerGFLOPS / c.convolutionInnerGFLOPS, 100 * r.innerGFLOPS / c.fmaPeakGFLOPS))
                }
            }
            if rounds > 1 {
                print("step time over the model's first activation's, paired round by round (median, lowest-highest of \(rounds) rounds):")
                for r in ratios where r.act != r.base {
                    print(col(r.model, 10) + col(r.act, 22) + String(format: "%.2fx %@ (%.2f-%.2f)", r.median, r.base, r.low, r.high))
                }
                if !fractions.isEmpty {
                    print("GFLOPS over the best 3x3 convolution's of the same round (median, lowest-highest of \(rounds) rounds):")
                    for f in fractions {
                        print(col(f.model, 10) + col(f.act, 22) + String(format: "%3.0f%% (%.0f-%.0f%%)", 100 * f.median, 100 * f.low, 100 * f.high))
                    }
                }
            }
            for r in results { if let entries = r.profile { printProfile(r, entries, passes: r.profilePasses ?? []) } }
            for pair in report.pairedProfiles { printPairedProfile(pair) }
        }

        /// Where a configuration's step differs from its model's first activation's, op by op, with
        /// the 95% interval of the round-by-round difference.
        private func printPairedProfile(_ p: TrainBenchmark.PairedProfile) {
            print("\n\(p.model) \(p.act) against \(p.base), op by op, paired round by round (means of \(p.rounds) rounds, ms a step; "
                  + "the difference's 95% interval):")
            func right(_ text: String) -> String { String(repeating: " ", count: max(1, 10 - text.count)) + text }
            print(col("op", 30) + col("pass", 10) + right(p.base) + right(p.act) + "   difference")
            func line(_ r: TrainBenchmark.PairedProfile.Row) {
                func ms(_ v: Double?) -> String { v.map { String(format: "%10.2f", $0) } ?? String(repeating: " ", count: 9) + "-" }
                let interval = r.differenceLow.flatMap { low in r.differenceHigh.map { String(format: " [%+.2f, %+.2f]", low, $0) } } ?? ""
                print(col(r.op, 30) + col(r.pass, 10) + ms(r.baseMilliseconds) + ms(r.milliseconds) + String(format: "  %+8.2f", r.difference) + interval)
            }
            // Ops under 0.2% of the step on both sides are left to the JSON, as in the profile.
            let step = p.totals.last.flatMap { $0.baseMilliseconds } ?? 0
            for r in p.ops where max(r.baseMilliseconds ?? 0, r.milliseconds ?? 0) >= step * 0.002 { line(r) }
            p.totals.forEach(line)
        }

        /// One configuration's profile: op kinds by time, with their share of the step and bandwidth;
        /// then the passes timed inside multi-pass ops, by op.
        private func printProfile(_ r: TrainBenchmark.Result, _ entries: [OpProfile.Entry], passes: [OpProfile.PassEntry]) {
            let total = entries.reduce(0) { $0 + $1.seconds }
            print("\n\(r.model) \(r.act): profile of one step (\(steps) profiled steps averaged; \(String(format: "%.1f", total * 1e3)) ms recorded, "
                  + "\(String(format: "%.1f", r.stepSecondsMedian * 1e3)) ms timed)")
            print(col("op", 30) + col("pass", 10) + "      ms   share   calls      MB    GB/s")
            for e in entries where e.seconds >= total * 0.002 {
                print(col(e.op, 30) + col(e.pass.rawValue, 10)
                      + String(format: "%8.2f  %5.1f%%  %6d  %6.0f  %6.1f", e.seconds * 1e3, 100 * e.seconds / total, e.calls,
                               Double(e.bytes) / 1e6, Double(e.bytes) / max(e.seconds, 1e-12) * 1e-9))
            }
            for pass in [OpProfile.Pass.forward, .backward, .update] {
                let seconds = entries.filter { $0.pass == pass }.reduce(0) { $0 + $1.seconds }
                print(col("all", 30) + col(pass.rawValue, 10) + String(format: "%8.2f  %5.1f%%", seconds * 1e3, 100 * seconds / total))
            }
            guard !passes.isEmpty else { return }
            print("passes inside the ops above (ms of the step):")
            var ops: [String] = []
            for p in passes where !ops.contains(p.op) { ops.append(p.op) }
            for op in ops {
                for p in passes where p.op == op {
                    print(col(op, 42) + col(p.name, 38) + String(format: "%8.2f  %6d", p.seconds * 1e3, p.calls))
                }
            }
        }
    }

    struct InferBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "infer",
            abstract: "Inference latency (batch 1) and throughput (a large batch), beside onnxruntime and PyTorch on the same model.",
            discussion: """
                onnxruntime (CPU) runs Funnel's own ONNX export of the model (batch norms folded); PyTorch runs the reference \
                model of --peers (torch_models.py; ResNet-18/20 with its activations). Both through --python, with the same \
                threads. Without --python only Funnel is measured.
                """)
        @Option(help: "Comma-separated models.") var model = "resnet20"
        @Option(help: "Activation specs separated by `;` (or `,` when no spec has options).") var act = "relu;frelu"
        @Option(help: "Batch size of the throughput figure.") var batchSize = 256
        @Option(help: "Batch-1 passes timed (median).") var latencyRuns = 50
        @Option(help: "Large-batch passes timed (median).") var throughputRuns = 5
        @Option(help: "Run everything this many times, interleaved, and keep each figure's median round.") var rounds = 3
        @Option(help: "A Python with onnxruntime and torch (scripts/python-env.sh makes .venv-test).") var python: String?
        @Option(help: "The peers' script.") var peerScript = "scripts/bench_infer_peers.py"
        @Option(help: "Folder of the reference PyTorch models (torch_models.py).") var peers = "../shared/peers"
        @Flag var json = false
        @OptionGroup var compute: ComputeOptions

        func validate() throws {
            try requireAtLeast(1, batchSize, "batch-size")
            try requireAtLeast(1, latencyRuns, "latency-runs")
            try requireAtLeast(1, throughputRuns, "throughput-runs")
            try requireAtLeast(1, rounds, "rounds")
            try requireEachOnce(commaSeparated(model), "model")
            try requireEachOnce(activationSpecs(act), "act")
            try requireClassifiers(commaSeparated(model), "model")
            try requireKnownActivations(activationSpecs(act), "act")
        }

        func run() throws {
            compute.apply()
            let threads = compute.threads ?? ProcessInfo.processInfo.activeProcessorCount
            let plan = InferenceBenchmark.Plan(latencyRuns: latencyRuns, batchSize: batchSize, throughputRuns: throughputRuns)
            let peerSetup = python.map { InferenceComparison.Peers(python: $0, script: URL(fileURLWithPath: peerScript), referenceModels: peers) }
            var rows: [InferenceComparison.Row] = []
            for m in commaSeparated(model) {
                for a in activationSpecs(act) {
                    rows.append(try InferenceComparison.run(model: m, act: a, plan: plan, threads: threads, peers: peerSetup,
                                                            rounds: rounds, progress: note))
                }
            }
            if json { try printJSON(rows); return }
            func latency(_ f: InferenceBenchmark.Figures?) -> String { f.map { String(format: "%8.2f", $0.latencyMilliseconds) } ?? "       -" }
            func speed(_ f: InferenceBenchmark.Figures?) -> String { f.map { String(format: "%9.0f", $0.imagesPerSecond) } ?? "        -" }
            print("\(threads) thread(s); batch-1 latency in ms (median of \(latencyRuns)), batch-\(batchSize) throughput in img/s (median of \(throughputRuns)); median of \(rounds) interleaved rounds")
            print(col("model", 10) + col("act", 12) + "  Funnel ms  onnxrt ms  PyTorch ms   Funnel/s   onnxrt/s  PyTorch/s")
            for r in rows {
                print(col(r.model, 10) + col(r.act, 12) + "  " + latency(r.funnel) + "   " + latency(r.onnxruntime) + "    " + latency(r.pytorch)
                      + "  " + speed(r.funnel) + "  " + speed(r.onnxruntime) + "  " + speed(r.pytorch))
            }
        }
    }
}
